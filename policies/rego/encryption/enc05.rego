# METADATA
# title: No plain Kubernetes Secret payload in Git
# description: >-
#   A Kubernetes Secret committed to Git, or produced by a chart, must not carry values in
#   data or stringData: anyone who can read the repository can read them. Use a
#   SealedSecret, an ExternalSecret or a SOPS-encrypted file instead. An empty data map is
#   fine. Values are redacted at load time; findings name the keys, never a value.
# scope: package
# custom:
#   id: ENC-05
#   severity: high
#   family: encryption
#   controls: ["21CFR11.10(d)", "EUANNEX11-12.1"]
#   applies_to: [Secret]
#   remediation: >-
#     Remove the Secret from the repository and rotate its values; commit a SealedSecret or
#     an ExternalSecret (or encrypt the file with SOPS) instead.
package gitops_compliance.encryption.enc05

import data.gitops_compliance.lib.util

deny contains finding if {
	some r in input.resources
	r.kind == "kubernetes"
	r.type == "Secret"
	not _sops_encrypted(r)
	some field in ["data", "stringData"]
	payload := r.config[field]
	_carries_values(payload)
	finding := util.item(r, {
		"msg": sprintf("%s carries values in %s (%s) in plain form", [r.address, field, _describe(payload)]),
		"attribute": field,
	})
}

# SOPS keeps its envelope in a top-level `sops` key; such files are encrypted at rest.
_sops_encrypted(r) if is_object(r.config.sops)

_carries_values(payload) if {
	is_object(payload)
	count(payload) > 0
}

# Not a map at all (a scalar or a list, already redacted): still a payload.
_carries_values(payload) if {
	not is_object(payload)
	payload != null
	payload != ""
}

# Only key names, never values (values are redacted anyway; this keeps it that way even if
# a loader forgets to).
_describe(payload) := sprintf("keys: %s", [concat(", ", sort(object.keys(payload)))]) if {
	is_object(payload)
	not util.is_redacted(payload)
}

_describe(payload) := "a value that is not a key map" if {
	not is_object(payload)
}

_describe(payload) := "a value that is not a key map" if {
	util.is_redacted(payload)
}
