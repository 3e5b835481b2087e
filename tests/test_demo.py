from kapture_nb.demo import demo_bodies, run_demo


def test_demo_sends_the_example_and_its_variants():
    run = run_demo()
    results = run.results.set_index("case")
    assert list(results.index) == list(demo_bodies())
    assert results["ok"].tolist() == [True, False, False, True]
    assert results.loc["invalid (order_id, update)", "error"].startswith("not sent, invalid body")
    assert results.loc["unknown order", "http_status"] == 404
    assert run.stored_order["order_info.associate_fields.delivery_slot"] == "evening"
    assert run.summary() == "4 bodies: 2 succeeded, 2 failed (1 not sent, 1 refused by the server)"
