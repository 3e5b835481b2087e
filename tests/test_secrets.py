"""The password and token never appear in reprs, logs, request logs, exceptions, curl or result frames."""
import copy
import logging

import pytest

import kapture_nb as kn

PASSWORD = "Zq9-UNIQUE-pa55word-7xK"
TOKEN = "T0KEN-UNIQUE-4a7c"


@pytest.fixture
def everything_logged(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def test_no_output_shows_the_password_or_token(fresh_sandbox, example, everything_logged):
    seen = []
    good = copy.deepcopy(example)
    sb = fresh_sandbox(username="analyst", password=PASSWORD, faults=kn.Faults(schedule=["503", "drop", "html"]))
    with sb.client() as client:
        seen += [repr(sb), sb._repr_html_(), repr(client), client._repr_html_(), client.to_curl(example)]
        seen.append(client.update_order(example).to_string())  # 503, then dropped, then 502 html
        seen.append(client.update_order(example).to_string())  # success
        example["order_info"]["order_id"] = "x"
        seen.append(client.update_order(example).to_string())  # invalid, not sent
    with kn.KaptureClient(base_url=sb.url, username="analyst", password=PASSWORD + "-wrong") as wrong:
        seen.append(wrong.update_order(good).to_string())
    with pytest.raises(kn.KaptureError) as caught:
        kn.KaptureClient(base_url=sb.url, username="ana:lyst", password=PASSWORD)
    seen.append(str(caught.value))
    token_box = fresh_sandbox(token=TOKEN)
    with token_box.client() as client:
        seen += [repr(token_box), repr(client), client.to_curl(good), client.update_order(good).to_string()]
    seen += [sb.requests.to_string(), token_box.requests.to_string(), sb.orders.to_string()]
    seen += [record.getMessage() for record in everything_logged.records]
    text = "\n".join(seen)
    assert "analyst" in text and "503" in text  # the outputs were really collected
    for secret in (PASSWORD, TOKEN):
        assert secret not in text
    assert client.to_curl(good, reveal=True).count(TOKEN) == 1  # only when asked
