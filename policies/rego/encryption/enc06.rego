# METADATA
# title: Ingress TLS covers every host
# description: >-
#   Every host an Ingress routes (spec.rules[].host) must be listed in spec.tls[].hosts — a
#   TLS host "*.example.com" covers one label below example.com — or the controller serves
#   it over plain HTTP or with a certificate for another name. A rule without a host is
#   covered only when spec.tls has an entry (the controller's default certificate).
# scope: package
# custom:
#   id: ENC-06
#   severity: medium
#   family: encryption
#   controls: ["21CFR11.30", "EUANNEX11-5"]
#   applies_to: [Ingress]
#   remediation: >-
#     Add the host to spec.tls[].hosts with a secretName holding its certificate (for
#     example issued by cert-manager), and redirect HTTP to HTTPS.
package gitops_compliance.encryption.enc06

import data.gitops_compliance.lib.util

_tls_hosts(r) := {lower(h) |
	some entry in util.as_array(object.get(r.config, ["spec", "tls"], []))
	some h in util.as_array(object.get(util.as_object(entry), "hosts", []))
	is_string(h)
}

_covered(host, hosts) if lower(host) in hosts

_covered(host, hosts) if {
	some pattern in hosts
	startswith(pattern, "*.")
	parts := split(lower(host), ".")
	count(parts) > 1
	concat(".", ["*", concat(".", array.slice(parts, 1, count(parts)))]) == pattern
}

deny contains finding if {
	some r in input.resources
	r.kind == "kubernetes"
	r.type == "Ingress"
	hosts := _tls_hosts(r)
	some i, rule in util.as_array(object.get(r.config, ["spec", "rules"], []))
	host := util.as_object(rule).host
	is_string(host)
	host != ""
	not _covered(host, hosts)
	finding := util.item(r, {
		"msg": sprintf("%s routes the host %s without TLS for it (spec.tls)", [r.address, host]),
		"attribute": sprintf("spec.rules[%d].host", [i]),
	})
}

deny contains finding if {
	some r in input.resources
	r.kind == "kubernetes"
	r.type == "Ingress"
	count(util.as_array(object.get(r.config, ["spec", "tls"], []))) == 0
	some i, rule in util.as_array(object.get(r.config, ["spec", "rules"], []))
	object.get(util.as_object(rule), "host", "") in {"", null}
	finding := util.item(r, {
		"msg": sprintf("%s routes every host (rule %d has no host) without any TLS (spec.tls)", [r.address, i]),
		"attribute": sprintf("spec.rules[%d]", [i]),
	})
}
