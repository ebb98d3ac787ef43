package gitops_compliance.lib.util_test

import data.gitops_compliance.lib.util

test_item_adds_address_and_file if {
	r := {"address": "Secret/app/s", "file": "k8s/b.yaml", "line": 3}
	util.item(r, {"msg": "m", "attribute": "data"}) == {"msg": "m", "attribute": "data", "resource": "Secret/app/s", "file": "k8s/b.yaml"}
}

# A resource without a file still gives an item: it is then located by address only.
test_item_without_file if {
	util.item({"address": "x.y"}, {"msg": "m"}) == {"msg": "m", "resource": "x.y", "file": ""}
}

# The resource's own location wins over a stray key in fields.
test_item_location_is_the_resources if {
	item := util.item({"address": "a.b", "file": "f.tf"}, {"msg": "m", "resource": "other", "file": "g.tf"})
	[item.resource, item.file] == ["a.b", "f.tf"]
}
