from __future__ import annotations

import pytest

from engine.load.redact import is_secret_key, redact_terraform_config


@pytest.mark.parametrize("key", ["password", "master_password", "admin_password", "token",
                                 "client_secret", "access_key", "secret_key", "private_key",
                                 "connection_string", "sas_token", "api_key"])
def test_secret_keys(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize("key", ["password_length", "kms_key_id", "secret_arn", "key_name",
                                 "token_ttl", "manage_master_user_password_rotation",
                                 "bucket", "tags", "keyspace"])
def test_not_secret_keys(key: str) -> None:
    assert not is_secret_key(key)


def test_terraform_redaction_is_recursive_and_keeps_flags() -> None:
    config = {"password": "x1", "nested": [{"admin_password": "x2", "enabled": True}],
              "token": None, "bucket": "b"}
    assert redact_terraform_config("aws_db_instance", config) == {
        "password": {"$redacted": True},
        "nested": [{"admin_password": {"$redacted": True}, "enabled": True}],
        "token": None, "bucket": "b"}
