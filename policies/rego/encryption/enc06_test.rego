package gitops_compliance.encryption.enc06_test

import data.gitops_compliance.encryption.enc06

ingress(spec) := {
	"address": "Ingress/ml/api", "kind": "kubernetes", "type": "Ingress", "name": "api",
	"file": "ingress.yaml", "line": 1, "api_version": "networking.k8s.io/v1", "namespace": "ml",
	"config": {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "api", "namespace": "ml"}, "spec": spec},
}

unit(resources) := {"contract_version": 1, "kind": "kubernetes", "unit": "kubernetes", "resources": resources}

rule(host) := {"host": host, "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "api", "port": {"number": 80}}}}]}}

test_uncovered_host_fires if {
	enc06.deny == {{
		"msg": "Ingress/ml/api routes the host admin.acme.example without TLS for it (spec.tls)",
		"resource": "Ingress/ml/api", "file": "ingress.yaml", "attribute": "spec.rules[1].host",
	}} with input as unit([ingress({"tls": [{"hosts": ["api.acme.example"], "secretName": "api-tls"}], "rules": [rule("api.acme.example"), rule("admin.acme.example")]})])
}

test_no_tls_fires_per_host if {
	count(enc06.deny) == 2 with input as unit([ingress({"rules": [rule("a.acme.example"), rule("b.acme.example")]})])
}

test_hostless_rule_without_tls_fires if {
	{f.attribute | some f in enc06.deny} == {"spec.rules[0]"} with input as unit([ingress({"rules": [{"http": {"paths": []}}]})])
}

test_wildcard_tls_covers_one_label if {
	findings := enc06.deny with input as unit([ingress({"tls": [{"hosts": ["*.acme.example"]}], "rules": [rule("API.acme.example"), rule("x.y.acme.example")]})])
	{f.attribute | some f in findings} == {"spec.rules[1].host"}
}

test_all_hosts_covered_passes if {
	count(enc06.deny) == 0 with input as unit([ingress({"tls": [{"hosts": ["a.acme.example"]}, {"hosts": ["b.acme.example"]}], "rules": [rule("a.acme.example"), rule("b.acme.example")]})])
}
