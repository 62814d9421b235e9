#!/usr/bin/env python3
"""Trims Argo Workflows' published JSON schema (api/jsonschema/schema.json, Apache-2.0) to the
`Workflow` resource and every definition it references, for test/fixtures/argo/workflow.schema.json.

Usage: git -C ARGO show COMMIT:api/jsonschema/schema.json | python3 scripts/trim-argo-schema.py COMMIT
"""
import json
import re
import sys

ROOT = "io.argoproj.workflow.v1alpha1.Workflow"

commit = sys.argv[1]
full = json.load(sys.stdin)
defs = full["definitions"]
keep, stack = set(), [ROOT]
while stack:
    name = stack.pop()
    if name in keep:
        continue
    keep.add(name)
    stack += re.findall(r'"\$ref": "#/definitions/([^"]+)"', json.dumps(defs[name]))
out = {
    "$comment": (
        "Copyright The Argo Authors. Licensed under the Apache License, Version 2.0 (LICENSE in this folder). "
        f"Trimmed by scripts/trim-argo-schema.py from https://github.com/argoproj/argo-workflows/blob/{commit}/api/jsonschema/schema.json "
        "to the Workflow resource and the definitions it references; nothing else is changed."
    ),
    "$id": full["$id"],
    "$schema": full["$schema"],
    "$ref": f"#/definitions/{ROOT}",
    "definitions": {k: defs[k] for k in sorted(keep)},
}
json.dump(out, sys.stdout, indent=1, sort_keys=False)
sys.stdout.write("\n")
