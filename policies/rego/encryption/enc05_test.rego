package gitops_compliance.encryption.enc05_test

import data.gitops_compliance.encryption.enc05

redacted := {"$redacted": true}

manifest(kind, config) := {
	"address": sprintf("%s/apps/db", [kind]), "kind": "kubernetes", "type": kind, "name": "db",
	"file": "k8s/db.yaml", "line": 1, "api_version": "v1", "namespace": "apps",
	"config": object.union({"apiVersion": "v1", "kind": kind, "metadata": {"name": "db", "namespace": "apps"}}, config),
}

unit(resources) := {"contract_version": 1, "kind": "kubernetes", "unit": "kubernetes", "resources": resources}

test_secret_with_data_fires if {
	enc05.deny == {{
		"msg": "Secret/apps/db carries values in data (keys: password, username) in plain form",
		"resource": "Secret/apps/db",
		"file": "k8s/db.yaml",
		"attribute": "data",
	}} with input as unit([manifest("Secret", {"data": {"username": redacted, "password": redacted}})])
}

test_string_data_and_data_both_fire if {
	secret := manifest("Secret", {"data": {"a": redacted}, "stringData": {"b": redacted}})
	{f.attribute | some f in enc05.deny} == {"data", "stringData"} with input as unit([secret])
}

# Defence in depth: even an unredacted value never reaches the message.
test_message_never_contains_a_value if {
	secret := manifest("Secret", {"stringData": {"token": "hunter2-value"}})
	findings := enc05.deny with input as unit([secret])
	count(findings) == 1
	every f in findings {
		not contains(f.msg, "hunter2")
	}
}

test_redacted_scalar_payload_fires if {
	[f.msg | some f in enc05.deny] == ["Secret/apps/db carries values in data (a value that is not a key map) in plain form"] with input as unit([manifest("Secret", {"data": redacted})])
}

test_empty_or_absent_data_passes if {
	empty := manifest("Secret", {"data": {}, "stringData": null})
	token := manifest("Secret", {"type": "kubernetes.io/service-account-token"})
	count(enc05.deny) == 0 with input as unit([empty, token])
}

test_sealed_and_external_secrets_pass if {
	sealed := manifest("SealedSecret", {"spec": {"encryptedData": {"password": "AgBy3i4OJSWK"}}})
	external := manifest("ExternalSecret", {"spec": {"data": [{"secretKey": "password"}]}})
	count(enc05.deny) == 0 with input as unit([sealed, external])
}

test_sops_encrypted_secret_passes if {
	secret := manifest("Secret", {"data": {"password": redacted}, "sops": {"version": "3.8.1", "age": []}})
	count(enc05.deny) == 0 with input as unit([secret])
}

# envs/dev and envs/prod hold the same object: each item names its file, so the engine puts
# the finding on the file that carries the data, not on the first object with the address.
test_finding_names_the_file_with_the_payload if {
	good := object.union(manifest("Secret", {}), {"file": "k8s/a-good.yaml"})
	bad := object.union(manifest("Secret", {"data": {"password": redacted}}), {"file": "k8s/b-bad.yaml", "line": 3})
	[[f.resource, f.file] | some f in enc05.deny] == [["Secret/apps/db", "k8s/b-bad.yaml"]] with input as unit([good, bad])
}

# Two copies with the same payload are two items (one set element each), not one.
test_same_secret_in_two_files_fires_twice if {
	secret := manifest("Secret", {"data": {"password": redacted}})
	dev := object.union(secret, {"file": "envs/dev/db.yaml"})
	prod := object.union(secret, {"file": "envs/prod/db.yaml"})
	findings := enc05.deny with input as unit([dev, prod])
	count(findings) == 2
	{f.file | some f in findings} == {"envs/dev/db.yaml", "envs/prod/db.yaml"}
}
