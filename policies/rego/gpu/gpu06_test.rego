package gitops_compliance.gpu.gpu06_test

import data.gitops_compliance.gpu.gpu06

deployment(containers) := {
	"address": "Deployment/ml/server", "kind": "kubernetes", "type": "Deployment", "name": "server", "file": "k8s/server.yaml", "line": 1, "namespace": "ml",
	"config": {"kind": "Deployment", "spec": {"template": {"spec": {"containers": containers}}}},
}

container(name, limits) := {"name": name, "resources": {"limits": limits}}

unit(resources) := {"contract_version": 1, "kind": "kubernetes", "unit": "kubernetes", "resources": resources}

findings(containers) := result if {
	result := {[f.resource, f.attribute] | some f in gpu06.deny} with input as unit([deployment(containers)])
}

test_one_profile_per_container_passes if {
	findings([container("a", {"nvidia.com/mig-1g.10gb": 2}), container("b", {"nvidia.com/mig-3g.40gb": 1})]) == set()
	findings([container("a", {"nvidia.com/gpu": 2}), container("b", {"nvidia.com/gpu": 1})]) == set()
}

test_two_profiles_in_a_container_fire if {
	findings([container("a", {"nvidia.com/mig-1g.10gb": 1, "nvidia.com/mig-2g.20gb": 1})]) == {["Deployment/ml/server", "spec.template.spec.containers[0].resources.limits"]}
}

test_mig_beside_whole_gpus_fires if {
	findings([container("a", {"nvidia.com/gpu": 1}), container("b", {"nvidia.com/mig-1g.10gb": 1})]) == {["Deployment/ml/server", "spec.template.spec.containers"]}
	findings([container("a", {"nvidia.com/gpu": 1, "nvidia.com/mig-1g.10gb": 1})]) == {["Deployment/ml/server", "spec.template.spec.containers"]}
}

test_zero_counts_are_not_requests if {
	findings([container("a", {"nvidia.com/gpu": 0, "nvidia.com/mig-1g.10gb": 1, "nvidia.com/mig-2g.20gb": "0"})]) == set()
}
