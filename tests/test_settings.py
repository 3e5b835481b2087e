import pytest

import kapture_nb as kn
from kapture_nb.redacted import Redacted
from kapture_nb.settings import resolve_base_url, settings_from_env

VARIABLES = ("KAPTURE_SUBDOMAIN", "KAPTURE_BASE_URL", "KAPTURE_USERNAME", "KAPTURE_PASSWORD", "KAPTURE_TOKEN")


@pytest.fixture
def env(monkeypatch):
    """A clean KAPTURE_* environment; set variables with env(NAME=value)."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def set_variables(**variables):
        for name, value in variables.items():
            monkeypatch.setenv(name, value)

    return set_variables


@pytest.mark.parametrize(
    "url, kept",
    [
        ("https://acme.kapturecrm.com", "https://acme.kapturecrm.com"),
        ("https://acme.kapturecrm.com/", "https://acme.kapturecrm.com"),
        ("https://proxy.example.com:8443/kapture/", "https://proxy.example.com:8443/kapture"),
        ("http://localhost:8765", "http://localhost:8765"),
        ("http://[::1]:8765/", "http://[::1]:8765"),
    ],
)
def test_a_good_base_url_is_kept_without_its_trailing_slash(url, kept):
    assert resolve_base_url(None, url) == kept


@pytest.mark.parametrize(
    "url, problem",
    [
        ("https://acme.kapturecrm.com?x=1", "must not have a query (?...) or a fragment (#...)"),
        ("https://acme.kapturecrm.com/#top", "must not have a query (?...) or a fragment (#...)"),
        ("https://acme.kapturecrm.com?", "must not have a query (?...) or a fragment (#...)"),
        ("https://[::1", "cannot be read as a URL: an IPv6 address in [ ] is not closed"),
        ("https://acme.kapturecrm.com:99999", "port must be a number from 1 to 65535"),
        ("https://acme.kapturecrm.com:0", "port must be a number from 1 to 65535"),
        ("https://acme.kapturecrm.com:https", "port must be a number from 1 to 65535"),
        ("https://acme.kapturecrm.com\n", "holds whitespace or a control character"),
        (" https://acme.kapturecrm.com", "holds whitespace or a control character"),
        ("https://ac me.kapturecrm.com", "holds whitespace or a control character"),
        ("https://", "has no host"),
        ("https:acme.kapturecrm.com", "has no host"),
        ("acme.kapturecrm.com", "must start with https://"),
        ("ftp://acme.kapturecrm.com", "must start with https://"),
        ("", "base_url is empty"),
        ("https://u@acme.kapturecrm.com", "must not carry credentials"),
        ("http://devapi.kapturecrm.com", "plain http is only allowed for loopback hosts, not 'devapi.kapturecrm.com'"),
    ],
)
def test_a_base_url_the_api_path_cannot_be_added_to_is_a_configuration_error(url, problem):
    with pytest.raises(kn.ConfigurationError) as caught:
        resolve_base_url(None, url)
    assert problem in str(caught.value)


def test_a_base_url_that_is_not_a_str_is_refused_by_its_type():
    with pytest.raises(kn.ConfigurationError, match="base_url must be a str, got bytes"):
        resolve_base_url(None, b"https://acme.kapturecrm.com")  # type: ignore[arg-type]


def test_a_subdomain_and_a_base_url_together_are_refused_not_chosen_between():
    with pytest.raises(kn.ConfigurationError, match="give subdomain= or base_url=, not both"):
        resolve_base_url("acme", "https://acme.kapturecrm.com")


def test_a_bad_subdomain_is_quoted_unless_it_may_hold_credentials():
    with pytest.raises(kn.ConfigurationError, match="got 'acme_1'"):
        resolve_base_url("acme_1", None)
    with pytest.raises(kn.ConfigurationError) as caught:
        resolve_base_url("u1:hunter2@acme", None)
    assert "hunter2" not in str(caught.value) and "not shown" in str(caught.value)


def test_both_target_variables_set_is_an_error_naming_both(env):
    env(KAPTURE_SUBDOMAIN="acme", KAPTURE_BASE_URL="http://127.0.0.1:8765", KAPTURE_TOKEN="t0k")
    with pytest.raises(kn.ConfigurationError) as caught:
        settings_from_env()
    assert "KAPTURE_SUBDOMAIN and KAPTURE_BASE_URL are both set" in str(caught.value)


def test_an_argument_wins_over_both_target_variables(env):
    env(KAPTURE_SUBDOMAIN="acme", KAPTURE_BASE_URL="http://127.0.0.1:8765", KAPTURE_TOKEN="t0k")
    chosen = settings_from_env(subdomain="other")
    assert (chosen["subdomain"], chosen["base_url"]) == ("other", None)
    chosen = settings_from_env(base_url="https://x.example.com")
    assert (chosen["subdomain"], chosen["base_url"]) == (None, "https://x.example.com")


def test_an_empty_variable_counts_as_unset(env):
    env(KAPTURE_SUBDOMAIN="", KAPTURE_BASE_URL="http://127.0.0.1:8765", KAPTURE_TOKEN="t0k", KAPTURE_PASSWORD="")
    settings = settings_from_env()
    assert (settings["subdomain"], settings["base_url"], settings["password"]) == (None, "http://127.0.0.1:8765", None)


def test_both_a_password_and_a_token_variable_set_is_an_error_naming_both(env):
    env(KAPTURE_SUBDOMAIN="acme", KAPTURE_USERNAME="u", KAPTURE_PASSWORD="pw", KAPTURE_TOKEN="t0k")
    with pytest.raises(kn.ConfigurationError) as caught:
        settings_from_env()
    assert "KAPTURE_PASSWORD and KAPTURE_TOKEN are both set" in str(caught.value)
    assert settings_from_env(token="other")["token"] == "other"  # an argument wins over both


def test_the_password_and_token_come_back_redacted(env):
    env(KAPTURE_SUBDOMAIN="acme", KAPTURE_USERNAME="u", KAPTURE_PASSWORD="hunter2")
    settings = settings_from_env(timeout=3)
    assert isinstance(settings["password"], Redacted) and settings["password"] == "hunter2"
    assert "hunter2" not in repr(settings) and settings["timeout"] == 3
    env(KAPTURE_PASSWORD="")
    assert "s3cret" not in repr(settings_from_env(token="s3cret"))


def test_missing_variables_name_what_to_set(env):
    with pytest.raises(kn.ConfigurationError, match="set KAPTURE_SUBDOMAIN"):
        settings_from_env()
    env(KAPTURE_SUBDOMAIN="acme", KAPTURE_USERNAME="u")
    with pytest.raises(kn.ConfigurationError, match="set KAPTURE_USERNAME and KAPTURE_PASSWORD, or KAPTURE_TOKEN"):
        settings_from_env()
