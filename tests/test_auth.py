import base64

import pytest
import requests

import kapture_nb as kn
from kapture_nb.auth import BasicCredentials


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
