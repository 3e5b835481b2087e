import base64

import pytest
import requests

import kapture_nb as kn
from kapture_nb.auth import BasicCredentials, Redacted


def test_user_and_password_make_a_standard_basic_header():
    credentials = BasicCredentials("demo", "pa:ss")
    assert credentials.header(reveal=True) == "Basic " + base64.b64encode(b"demo:pa:ss").decode()
    assert credentials.header() == "Basic <redacted>"


def test_a_ready_token_is_used_as_given_with_or_without_the_scheme():
    assert BasicCredentials(token="abc123").header(reveal=True) == "Basic abc123"
    assert BasicCredentials(token="Basic abc123 ").header(reveal=True) == "Basic abc123"


def test_header_is_put_on_the_request():
    prepared = requests.Request("POST", "http://127.0.0.1/", auth=BasicCredentials(token="t0k")).prepare()
    assert prepared.headers["Authorization"] == "Basic t0k"


def test_repr_never_shows_the_secret():
    assert "s3cret" not in repr(BasicCredentials("demo", "s3cret"))
    assert "t0ken" not in repr(BasicCredentials(token="t0ken"))


def test_bad_credentials_are_clear_errors_without_the_password():
    with pytest.raises(kn.ConfigurationError, match="no credentials"):
        BasicCredentials("demo", None)
    with pytest.raises(kn.ConfigurationError, match="must not contain ':'") as caught:
        BasicCredentials("de:mo", "s3cret")
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize("flaw", ["\n", "\r", "\r\nX-Injected: 1", "\x00", "\t", "\x7f", "\x85"])
def test_a_user_name_or_password_with_a_control_character_is_refused_without_showing_it(flaw):
    with pytest.raises(kn.ConfigurationError) as caught:
        BasicCredentials("demo", "s3cret" + flaw)
    assert "the password holds a" in str(caught.value) and "s3cret" not in str(caught.value)
    with pytest.raises(kn.ConfigurationError, match="the user name holds a"):
        BasicCredentials("de" + flaw + "mo", "s3cret")


def test_a_line_break_is_named_as_such():
    with pytest.raises(kn.ConfigurationError, match=r"holds a line break \(CR or LF\)"):
        BasicCredentials("demo", "s3cret\n")


@pytest.mark.parametrize(
    "token, flaw",
    [
        ("t0k\r\nX-Injected: 1", "a line break"),
        ("t0k\x00", "a control character"),
        ("t0k en", "a space"),
        ("Basic t0k en", "a space"),
        ("t0kén", "a non-ASCII character"),
        ("t0k\u2028x", "a non-ASCII character"),
    ],
)
def test_a_token_a_header_cannot_carry_as_it_is_is_refused_without_showing_it(token, flaw):
    with pytest.raises(kn.ConfigurationError) as caught:
        BasicCredentials(token=token)
    assert f"the token holds {flaw}" in str(caught.value) and "t0k" not in str(caught.value)


@pytest.mark.parametrize("token", ["", "  ", "Basic", "basic  "])
def test_an_empty_token_is_refused(token):
    with pytest.raises(kn.ConfigurationError, match=r"no credentials|the token is empty"):
        BasicCredentials(token=token)


def test_visible_ascii_tokens_are_kept_and_surrounding_whitespace_dropped():
    assert BasicCredentials(token=" a-b_c.d~e+f/g==\n").header(reveal=True) == "Basic a-b_c.d~e+f/g=="
    assert BasicCredentials(token="BASIC\t dXNlcjpwdw== ").header(reveal=True) == "Basic dXNlcjpwdw=="


def test_a_password_and_a_token_together_are_refused_not_chosen_between():
    with pytest.raises(kn.ConfigurationError, match="not both"):
        BasicCredentials("demo", "s3cret", token="t0k")
    assert BasicCredentials("demo", token="t0k").username == "demo"  # a user name may label a token


@pytest.mark.parametrize("field", ["username", "password", "token"])
def test_credentials_that_are_not_strs_are_refused_by_their_type(field):
    given = {"username": "demo", "password": "pw", field: b"s3cret"}
    with pytest.raises(kn.ConfigurationError) as caught:
        BasicCredentials(**given)
    assert "must be a str, got bytes" in str(caught.value) and "s3cret" not in str(caught.value)


def test_a_lone_surrogate_is_refused():
    with pytest.raises(kn.ConfigurationError, match="lone surrogate"):
        BasicCredentials("demo", "pw\ud800")


def test_non_latin1_names_and_passwords_are_sent_as_utf8(fresh_sandbox, example):
    sb = fresh_sandbox(username="zoë", password="пароль✓")
    credentials = BasicCredentials("zoë", "пароль✓")
    assert credentials.header(reveal=True) == "Basic " + base64.b64encode("zoë:пароль✓".encode()).decode()
    answer = requests.post(sb.url + kn.schema.ENDPOINT, json=example, auth=credentials, timeout=10)
    assert answer.status_code == 200


def test_the_header_value_is_redacted_when_shown_and_real_when_sent(fresh_sandbox, example):
    sb = fresh_sandbox(username="analyst", password="s3cret")
    credentials = BasicCredentials("analyst", "s3cret")
    value = credentials.authorization()
    real = "Basic " + base64.b64encode(b"analyst:s3cret").decode()
    assert value == real and value.encode("latin-1") == real.encode("latin-1") and value.reveal() == real
    shown = [repr(value), str(value), f"{value}", f"{value!r:>20}", "%s" % value, repr({"Authorization": value})]  # noqa: UP031
    assert not any("YW5hbHlzd" in text for text in shown) and all("<redacted>" in text for text in shown)
    answer = requests.post(sb.url + kn.schema.ENDPOINT, json=example, auth=credentials, timeout=10)
    assert answer.status_code == 200 and answer.json()["status"] == "success"
    assert answer.request.headers["Authorization"] == real
    assert "YW5hbHlzd" not in repr(answer.request.headers)  # a dict of headers shows it redacted
    wrong = requests.post(sb.url + kn.schema.ENDPOINT, json=example, auth=BasicCredentials("analyst", "nope"), timeout=10)
    assert wrong.status_code == 401


def test_repr_of_half_made_credentials_does_not_raise():
    assert repr(object.__new__(BasicCredentials)) == "<BasicCredentials (not made)>"
    assert object.__new__(BasicCredentials) != BasicCredentials(token="t0k")


def test_redacted_keeps_its_text_through_copies_and_rewrapping():
    import copy
    import pickle

    secret = Redacted("s3cret")
    for again in (Redacted(secret), copy.deepcopy(secret), pickle.loads(pickle.dumps(secret))):
        assert isinstance(again, Redacted) and again.reveal() == "s3cret" and str(again) == "<redacted>"
    assert type(secret.reveal()) is str
