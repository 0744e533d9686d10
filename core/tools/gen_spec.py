#!/usr/bin/env python3
"""Generate core/src/spec/generated.rs from Argo Events' JSON Schema.

Usage: python3 core/tools/gen_spec.py ../shared/argo/api/jsonschema/schema.json > core/src/spec/generated.rs

Every io.argoproj.events.v1alpha1 definition becomes a serde struct whose field names are exactly
the schema's. All fields are optional at the serde level so that a missing required field is
reported by validation with its path (see `CheckRequired`), not as a bare parse error.
Kubernetes core types other than the few listed in KEEP_K8S stay opaque `serde_json::Value`.
"""
import json
import re
import sys

ARGO = "io.argoproj.events.v1alpha1."
KEEP_K8S = {
    "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": "ObjectMeta",
    "io.k8s.api.core.v1.SecretKeySelector": "SecretKeySelector",
    "io.k8s.api.core.v1.ConfigMapKeySelector": "ConfigMapKeySelector",
}
# Fields of kept k8s types that are themselves opaque.
RUST_KEYWORDS = {"type", "ref", "match", "use", "mod", "fn", "struct", "enum", "impl", "trait",
                 "where", "loop", "move", "async", "await", "dyn", "crate", "self", "super",
                 "static", "const", "let", "in", "for", "if", "else", "as", "box", "final",
                 "override", "priv", "pub", "return", "true", "false", "unsafe", "virtual",
                 "yield", "macro", "abstract", "become", "do", "try", "extern", "gen"}


def snake(name):
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    s = s.replace("-", "_").lower()
    if s in RUST_KEYWORDS:
        s = "r#" + s
    return s


def type_name(ref):
    if ref.startswith(ARGO):
        return ref[len(ARGO):]
    return KEEP_K8S.get(ref)


def rust_type(prop, defs):
    """Returns (rust type, kind) where kind is 'struct', 'vec', 'map' or 'scalar'."""
    if "$ref" in prop:
        ref = prop["$ref"].split("/")[-1]
        name = type_name(ref)
        if name is None:
            return "serde_json::Value", "scalar"
        d = defs[ref]
        if name == "Int64OrString":
            return "Int64OrString", "scalar"
        if d.get("type") == "number":
            return "f64", "scalar"
        if "properties" not in d:
            return "serde_json::Value", "scalar"
        return name, "struct"
    t = prop.get("type")
    fmt = prop.get("format")
    if t == "string":
        return "String", "scalar"
    if t == "boolean":
        return "bool", "scalar"
    if t == "integer":
        return ("i32" if fmt == "int32" else "i64"), "scalar"
    if t == "number":
        return "f64", "scalar"
    if t == "array":
        inner, kind = rust_type(prop["items"], defs)
        return f"Vec<{inner}>", ("vec_struct" if kind == "struct" else "vec")
    if t == "object":
        ap = prop.get("additionalProperties")
        if isinstance(ap, dict):
            inner, kind = rust_type(ap, defs)
            return f"IndexMap<String, {inner}>", ("map_struct" if kind == "struct" else "map")
        return "serde_json::Value", "scalar"
    return "serde_json::Value", "scalar"


def doc(text, indent):
    if not text:
        return ""
    first = text.strip().split("\n")[0].replace("*/", "* /")
    return f"{indent}/// {first}\n"


def recursive_types(defs, names):
    """Pairs (field type, holder) where holding the field inline would make an infinite type."""
    edges = {}
    for full in names:
        name = type_name(full)
        deps = set()
        for prop in defs[full].get("properties", {}).values():
            rtype, kind = rust_type(prop, defs)
            if kind == "struct":
                deps.add(rtype)
        edges[name] = deps

    def reaches(start, goal, seen):
        for nxt in edges.get(start, ()):
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                if reaches(nxt, goal, seen):
                    return True
        return False

    out = set()
    for holder, deps in edges.items():
        for dep in deps:
            if dep == holder or reaches(dep, holder, set()):
                out.add((dep, holder))
    return out


# Tripline's extensions of Argo's schema, kept here so the generated file stays reproducible.
# `sqs` trigger: SendMessage to a queue (AWS adapter, Spin adapter).
TRIPLINE_SQS_TRIGGER = {
    "description": "Tripline extension (not in Argo): sends the payload to an Amazon SQS queue with SendMessage.",
    "type": "object",
    "required": ["queueURL"],
    "properties": {
        "queueURL": {"description": "URL of the queue (https://sqs.<region>.amazonaws.com/<account>/<name>).", "type": "string"},
        "region": {"description": "Region of the queue; taken from the URL when empty.", "type": "string"},
        "messageGroupId": {"description": "Message group of a FIFO queue.", "type": "string"},
        "delaySeconds": {"description": "Delay before the message becomes visible, 0-900 seconds.", "type": "integer", "format": "int32"},
        "parameters": {"description": "Parameters applied to this trigger's fields.", "type": "array",
                       "items": {"$ref": "#/definitions/io.argoproj.events.v1alpha1.TriggerParameter"}},
        "payload": {"description": "Parameters that build the message body.", "type": "array",
                    "items": {"$ref": "#/definitions/io.argoproj.events.v1alpha1.TriggerParameter"}},
    },
}


def extend(defs):
    defs[ARGO + "SQSTrigger"] = TRIPLINE_SQS_TRIGGER
    defs[ARGO + "TriggerTemplate"]["properties"]["sqs"] = {
        "$ref": "#/definitions/" + ARGO + "SQSTrigger",
        "description": "Tripline extension: SQS refers to the trigger designed to send a message to an Amazon SQS queue.",
    }


def main():
    schema = json.load(open(sys.argv[1]))
    defs = schema["definitions"]
    extend(defs)
    names = sorted(k for k in defs if k.startswith(ARGO)) + sorted(KEEP_K8S)
    recursive = recursive_types(defs, names)
    out = []
    out.append("// @generated by core/tools/gen_spec.py from Argo Events' JSON Schema. Do not edit.\n")
    out.append("#![allow(clippy::all)]\n")
    out.append("use indexmap::IndexMap;\nuse serde::{Deserialize, Serialize};\n")
    out.append("use super::required::{CheckRequired, Issues};\nuse super::Int64OrString;\n\n")
    for full in names:
        d = defs[full]
        name = type_name(full)
        if "properties" not in d:
            continue
        props = d["properties"]
        required = set(d.get("required", []))
        out.append(doc(d.get("description", ""), ""))
        out.append("#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]\n")
        out.append(f"pub struct {name} {{\n")
        checks = []
        for pname in sorted(props):
            prop = props[pname]
            fname = snake(pname)
            rtype, kind = rust_type(prop, defs)
            out.append(doc(prop.get("description", ""), "    "))
            if kind in ("vec", "vec_struct", "map", "map_struct"):
                out.append(f'    #[serde(rename = "{pname}", default, skip_serializing_if = "is_empty_{kind.split("_")[0]}")]\n')
                out.append(f"    pub {fname}: {rtype},\n")
            else:
                if kind == "struct" and (rtype, name) in recursive:
                    rtype = f"Box<{rtype}>"
                out.append(f'    #[serde(rename = "{pname}", default, skip_serializing_if = "Option::is_none")]\n')
                out.append(f"    pub {fname}: Option<{rtype}>,\n")
            if pname in required and pname not in ("apiVersion", "kind"):
                checks.append(f'        issues.require_{ "coll" if kind.startswith(("vec","map")) else "opt"}(path, "{pname}", &self.{fname});\n')
            if kind == "struct":
                checks.append(f'        if let Some(v) = &self.{fname} {{ v.check_required(&format!("{{path}}.{pname}"), issues); }}\n')
            elif kind == "vec_struct":
                checks.append(f'        for (i, v) in self.{fname}.iter().enumerate() {{ v.check_required(&format!("{{path}}.{pname}[{{i}}]"), issues); }}\n')
            elif kind == "map_struct":
                checks.append(f'        for (k, v) in &self.{fname} {{ v.check_required(&format!("{{path}}.{pname}.{{k}}"), issues); }}\n')
        out.append("}\n\n")
        out.append(f"impl CheckRequired for {name} {{\n")
        arg = "path" if checks else "_path"
        iss = "issues" if checks else "_issues"
        out.append(f"    fn check_required(&self, {arg}: &str, {iss}: &mut Issues) {{\n")
        out.extend(checks)
        out.append("    }\n}\n\n")
    out.append("fn is_empty_vec<T>(v: &[T]) -> bool { v.is_empty() }\n")
    out.append("fn is_empty_map<T>(v: &IndexMap<String, T>) -> bool { v.is_empty() }\n")
    sys.stdout.write("".join(out))


if __name__ == "__main__":
    main()
