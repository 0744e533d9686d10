#!/usr/bin/env python3
"""Static reference check for the Terraform under a directory, without providers.

`terraform validate` needs the providers, which cannot be downloaded here, so this script parses
every .tf file with python-hcl2 (the lark grammar of HCL2) and checks, per module directory:

- every `var.X`, `local.X`, `module.X`, `data.T.N` and resource reference `T.N` is declared in the
  same directory; `module.X.Y` names an output of the called module (local sources);
- `each.*` appears only under `for_each`, `count.*` only under `count`, `self` only where
  Terraform allows it; bare identifiers are bound (for-expressions, dynamic-block iterators,
  template `%{for}`), everything else is an error;
- a module call passes only variables the module declares, and every variable without a default;
- declarations are unique; every variable has a description and a type, every output a
  description.

Unused variables, locals and data sources are reported as warnings.

Usage: check_refs.py [DIR ...]   (default: the directory of this script)
       check_refs.py --self-test (seeds known mistakes into temporary modules and checks each is
                                  caught, and that a clean pair of modules passes)
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field, replace
from pathlib import Path

try:
    import hcl2
    from lark import Token, Tree
    from lark.exceptions import LarkError
except ImportError as exc:  # pragma: no cover - environment problem, not a finding
    sys.exit(f"check_refs: needs python-hcl2 (pip install python-hcl2): {exc}")

if not hasattr(hcl2, "parses_to_tree"):
    # checkov bundles a fork (bc-python-hcl2) that installs the same `hcl2` module name.
    sys.exit(
        "check_refs: the imported `hcl2` module is not python-hcl2 >= 7 "
        f"({getattr(hcl2, '__file__', '?')}); put python-hcl2 first on PYTHONPATH"
    )

TRAVERSALS = {"get_attr_expr_term", "index_expr_term", "attr_splat_expr_term", "full_splat_expr_term"}
META_MODULE_ARGS = {"source", "version", "count", "for_each", "providers", "depends_on"}
PATH_ATTRS = {"module", "root", "cwd"}
TERRAFORM_ATTRS = {"workspace", "applying"}


# ---- declarations -------------------------------------------------------------------------------


@dataclass
class Module:
    path: Path
    files: list[Path] = field(default_factory=list)
    variables: dict[str, bool] = field(default_factory=dict)  # name -> required
    locals: set[str] = field(default_factory=set)
    resources: set[tuple[str, str]] = field(default_factory=set)
    data: set[tuple[str, str]] = field(default_factory=set)
    modules: dict[str, Tree] = field(default_factory=dict)
    outputs: set[str] = field(default_factory=set)
    providers: set[str] = field(default_factory=set)
    trees: list[tuple[Path, Tree]] = field(default_factory=list)
    # A file failed to parse: its declarations are unknown, so calls into it are not judged.
    broken: bool = False
    used: set[tuple[str, ...]] = field(default_factory=set)


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    references: int = 0
    modules: int = 0
    files: int = 0

    def error(self, file: Path, line: int | None, msg: str) -> None:
        self.errors.append(f"{file}:{line or '?'}: {msg}")

    def warn(self, file: Path, line: int | None, msg: str) -> None:
        self.warnings.append(f"{file}:{line or '?'}: warning: {msg}")


def is_tree(node: object, *names: str) -> bool:
    return isinstance(node, Tree) and (not names or node.data in names)


def line_of(node: object) -> int | None:
    if isinstance(node, Token):
        return node.line
    if isinstance(node, Tree):
        meta = getattr(node, "meta", None)
        if meta is not None and not getattr(meta, "empty", True):
            return meta.line
        for child in node.children:
            found = line_of(child)
            if found:
                return found
    return None


def name_of(node: Tree) -> str:
    """Text of an identifier / keyword / literal_value node."""
    return "".join(str(t) for t in node.scan_values(lambda v: isinstance(v, Token)))


def string_literal(node: Tree) -> str | None:
    """The value of a string node without interpolation, else None."""
    if not is_tree(node, "string"):
        return None
    out = []
    for part in node.children:
        if isinstance(part, Token):
            continue  # the quotes
        if len(part.children) != 1 or not isinstance(part.children[0], Token):
            return None
        out.append(str(part.children[0]))
    return "".join(out)


def expr_literal(node: Tree) -> str | None:
    """The string value of an expression that is a plain string literal."""
    while is_tree(node, "expr_term") and len(node.children) == 1:
        node = node.children[0]
    return string_literal(node)


def block_parts(block: Tree) -> tuple[str, list[str], Tree]:
    kind = name_of(block.children[0])
    labels: list[str] = []
    body = None
    for child in block.children[1:]:
        if is_tree(child, "body"):
            body = child
        elif is_tree(child, "string"):
            labels.append(string_literal(child) or "")
        elif is_tree(child, "identifier", "keyword", "literal_value"):
            labels.append(name_of(child))
    assert body is not None, "a block always has a body"
    return kind, labels, body


def body_items(body: Tree) -> list[Tree]:
    return [c for c in body.children if is_tree(c, "attribute", "block")]


def attributes(body: Tree) -> dict[str, Tree]:
    """attribute name -> expression node"""
    out = {}
    for item in body_items(body):
        if item.data == "attribute":
            out[name_of(item.children[0])] = item.children[-1]
    return out


def blocks(body: Tree, kind: str | None = None) -> list[Tree]:
    return [b for b in body_items(body) if b.data == "block" and (kind is None or block_parts(b)[0] == kind)]


def parse_file(path: Path, report: Report) -> Tree | None:
    try:
        return hcl2.parses_to_tree(path.read_text(encoding="utf-8"))
    except LarkError as exc:
        line = getattr(exc, "line", None)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        report.error(path, line, f"parse error: {first}")
        return None


def load_module(directory: Path, report: Report) -> Module:
    mod = Module(path=directory)
    for tf in sorted(directory.glob("*.tf")):
        tree = parse_file(tf, report)
        mod.files.append(tf)
        if tree is None:
            mod.broken = True
            continue
        mod.trees.append((tf, tree))
        for block in blocks(tree.children[0]):
            declare(mod, tf, block, report)
    return mod


def declare(mod: Module, tf: Path, block: Tree, report: Report) -> None:
    kind, labels, body = block_parts(block)
    line = line_of(block)

    def once(collection: set | dict, key, what: str) -> bool:
        if key in collection:
            report.error(tf, line, f"duplicate {what} {'.'.join(key) if isinstance(key, tuple) else key}")
            return False
        return True

    if kind == "variable" and len(labels) == 1:
        attrs = attributes(body)
        if once(mod.variables, labels[0], "variable"):
            mod.variables[labels[0]] = "default" not in attrs
        for required in ("description", "type"):
            if required not in attrs:
                report.error(tf, line, f"variable {labels[0]} has no {required}")
    elif kind == "locals":
        for item in body_items(body):
            if item.data == "attribute":
                name = name_of(item.children[0])
                if once(mod.locals, name, "local"):
                    mod.locals.add(name)
    elif kind == "resource" and len(labels) == 2:
        if once(mod.resources, tuple(labels), "resource"):
            mod.resources.add(tuple(labels))
    elif kind == "data" and len(labels) == 2:
        if once(mod.data, tuple(labels), "data source"):
            mod.data.add(tuple(labels))
    elif kind == "module" and len(labels) == 1:
        if once(mod.modules, labels[0], "module call"):
            mod.modules[labels[0]] = block
    elif kind == "output" and len(labels) == 1:
        if once(mod.outputs, labels[0], "output"):
            mod.outputs.add(labels[0])
        if "description" not in attributes(body):
            report.error(tf, line, f"output {labels[0]} has no description")
    elif kind == "provider" and len(labels) == 1:
        mod.providers.add(labels[0])
    elif kind == "terraform":
        for rp in blocks(body, "required_providers"):
            mod.providers.update(attributes(block_parts(rp)[2]).keys())
    elif kind in {"check", "moved", "import", "removed"}:
        pass
    else:
        report.error(tf, line, f"unexpected top-level block {kind} {' '.join(labels)}".rstrip())


# ---- reference walk -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Ctx:
    file: Path
    for_each: bool = False
    count: bool = False
    self_ok: bool = False
    scope: frozenset = frozenset()
    # Uses inside a variable's own validation do not make it "used".
    track_use: bool = True

    def bind(self, *names: str) -> "Ctx":
        return self.with_(scope=self.scope | frozenset(names))

    def with_(self, **kw) -> "Ctx":
        return replace(self, **kw)


class Checker:
    def __init__(self, mod: Module, registry: dict[Path, Module], report: Report):
        self.mod = mod
        self.registry = registry
        self.report = report

    # -- traversal chains --

    def chain(self, node: Tree):
        """(root, steps) of a traversal such as aws_x.y["k"].z, or None."""
        if node.data == "expr_term":
            if len(node.children) == 1 and isinstance(node.children[0], Tree):
                inner = node.children[0]
                if inner.data == "identifier":
                    return name_of(inner), []
                if inner.data in TRAVERSALS:
                    return self.chain(inner)
            return None
        if node.data in TRAVERSALS:
            base = node.children[0]
            found = self.chain(base) if is_tree(base) else None
            if found is None:
                return None
            root, steps = found
            op = node.children[1]
            if node.data == "get_attr_expr_term":
                target = op.children[-1]
                return root, steps + [("attr", name_of(target))]
            if node.data == "index_expr_term":
                return root, steps + [("index", op)]
            return root, steps + [("splat", op)]
        return None

    # -- walking --

    def walk(self, node, ctx: Ctx) -> None:
        if not isinstance(node, Tree):
            return
        data = node.data
        if data in TRAVERSALS or data == "expr_term":
            found = self.chain(node)
            if found is not None:
                self.record(found[0], found[1], node, ctx)
                for kind, op in found[1]:
                    if kind != "attr":
                        self.walk(op, ctx)  # index expressions are references too
                return
        if data in {"for_tuple_expr", "for_object_expr"}:
            self.walk_for(node, ctx)
            return
        if data == "object_elem":
            key, value = node.children[0], node.children[-1]
            if not self.literal_key(key):
                self.walk(key, ctx)
            self.walk(value, ctx)
            return
        if data == "string":
            self.walk_template_parts(node.children, ctx)
            return
        if data in {"heredoc_template", "heredoc_template_trim"}:
            self.walk_heredoc(node, ctx)
            return
        if data == "function_call":
            for child in node.children:
                if is_tree(child, "arguments"):
                    self.walk(child, ctx)
            return
        for child in node.children:
            self.walk(child, ctx)

    @staticmethod
    def literal_key(key: Tree) -> bool:
        """`{ name = ... }`: a key that is one bare identifier (or a keyword) is a literal."""
        inner = key.children[0] if key.children else None
        if is_tree(inner, "keyword"):
            return True
        return (
            is_tree(inner, "expr_term")
            and len(inner.children) == 1
            and is_tree(inner.children[0], "identifier")
        )

    def walk_for(self, node: Tree, ctx: Ctx) -> None:
        intro = next(c for c in node.children if is_tree(c, "for_intro"))
        names = [name_of(c) for c in intro.children if is_tree(c, "identifier")]
        # The collection is the last expression of the intro; it is evaluated outside the loop.
        exprs = [c for c in intro.children if is_tree(c) and not is_tree(c, "identifier", "new_line_or_comment")]
        for e in exprs:
            self.walk(e, ctx)
        inner = ctx.bind(*names)
        for child in node.children:
            if child is not intro:
                self.walk(child, inner)

    def walk_template_parts(self, parts, ctx: Ctx) -> None:
        stack = [ctx]
        for part in parts:
            if not is_tree(part, "string_part"):
                continue
            for el in part.children:
                if not is_tree(el):
                    continue
                if el.data == "interpolation":
                    self.walk(el, stack[-1])
                elif el.data == "template_if_start":
                    self.walk(el, stack[-1])
                elif el.data == "template_for_start":
                    names = [name_of(c) for c in el.children if is_tree(c, "identifier")]
                    for c in el.children:
                        if is_tree(c) and not is_tree(c, "identifier"):
                            self.walk(c, stack[-1])
                    stack.append(stack[-1].bind(*names))
                elif el.data == "template_endfor" and len(stack) > 1:
                    stack.pop()

    def walk_heredoc(self, node: Tree, ctx: Ctx) -> None:
        text = str(node.children[0])
        body = text.split("\n", 1)[1] if "\n" in text else ""
        line = line_of(node)
        stack = [ctx]
        for kind, expr in template_segments(body):
            expr = expr.strip().strip("~").strip()
            if kind == "$":
                self.walk_snippet(expr, stack[-1], line)
            else:
                m = re.match(r"^for\s+([A-Za-z_][\w-]*)(?:\s*,\s*([A-Za-z_][\w-]*))?\s+in\s+(.+)$", expr, re.S)
                if m:
                    self.walk_snippet(m.group(3), stack[-1], line)
                    stack.append(stack[-1].bind(*[g for g in m.groups()[:2] if g]))
                elif expr == "endfor" and len(stack) > 1:
                    stack.pop()
                elif expr.startswith("if "):
                    self.walk_snippet(expr[3:], stack[-1], line)

    def walk_snippet(self, expr: str, ctx: Ctx, line: int | None) -> None:
        try:
            tree = hcl2.parses_to_tree(f"__tripline_check = {expr}\n")
        except LarkError as exc:
            self.report.error(ctx.file, line, f"cannot parse template expression {expr!r}: {type(exc).__name__}")
            return
        for item in body_items(tree.children[0]):
            self.walk(item.children[-1], ctx)

    # -- one reference --

    def record(self, root: str, steps: list, node: Tree, ctx: Ctx) -> None:
        self.report.references += 1
        line = line_of(node)
        attrs = []
        for kind, value in steps:
            if kind != "attr":
                break
            attrs.append(value)
        err = lambda msg: self.report.error(ctx.file, line, msg)  # noqa: E731
        mod = self.mod

        if root in ctx.scope:
            return
        if not steps and root not in {"var", "local", "module", "data", "each", "count", "self", "path", "terraform"}:
            err(f"unknown name {root!r} (not a bound for/iterator variable)")
            return
        if root == "var":
            if not attrs:
                err("bare `var`")
            elif attrs[0] not in mod.variables:
                err(f"undeclared variable var.{attrs[0]}")
            else:
                if ctx.track_use:
                    mod.used.add(("var", attrs[0]))
        elif root == "local":
            if not attrs:
                err("bare `local`")
            elif attrs[0] not in mod.locals:
                err(f"undeclared local local.{attrs[0]}")
            else:
                if ctx.track_use:
                    mod.used.add(("local", attrs[0]))
        elif root == "module":
            if not attrs:
                err("bare `module`")
            elif attrs[0] not in mod.modules:
                err(f"undeclared module module.{attrs[0]}")
            elif len(attrs) > 1:
                child = self.child_module(attrs[0])
                if child is not None and attrs[1] not in child.outputs:
                    err(f"module.{attrs[0]}.{attrs[1]}: module {attrs[0]} has no output {attrs[1]!r}")
        elif root == "data":
            if len(attrs) < 2:
                err("data reference needs a type and a name")
            elif (attrs[0], attrs[1]) not in mod.data:
                err(f"undeclared data source data.{attrs[0]}.{attrs[1]}")
            else:
                mod.used.add(("data", attrs[0], attrs[1]))
        elif root == "each":
            if not ctx.for_each:
                err("each.* outside a block with for_each")
            elif not attrs or attrs[0] not in {"key", "value"}:
                err("each has only .key and .value")
        elif root == "count":
            if not ctx.count:
                err("count.* outside a block with count")
            elif not attrs or attrs[0] != "index":
                err("count has only .index")
        elif root == "self":
            if not ctx.self_ok:
                err("self outside a provisioner, connection or postcondition")
        elif root == "path":
            if not attrs or attrs[0] not in PATH_ATTRS:
                err(f"path has only {sorted(PATH_ATTRS)}")
        elif root == "terraform":
            if not attrs or attrs[0] not in TERRAFORM_ATTRS:
                err(f"terraform has only {sorted(TERRAFORM_ATTRS)}")
        else:
            if not attrs:
                err(f"reference to resource type {root} without a name")
            elif (root, attrs[0]) not in mod.resources:
                err(f"undeclared resource {root}.{attrs[0]} (or unknown name {root!r})")

    # -- blocks --

    def child_module(self, name: str) -> Module | None:
        attrs = attributes(block_parts(self.mod.modules[name])[2])
        source = expr_literal(attrs["source"]) if "source" in attrs else None
        if source is None or not (source.startswith("./") or source.startswith("../")):
            return None  # registry / git sources cannot be checked offline
        child = self.registry.get((self.mod.path / source).resolve())
        return None if child is None or child.broken else child

    def check_module_call(self, tf: Path, block: Tree) -> None:
        _, labels, body = block_parts(block)
        attrs = attributes(body)
        line = line_of(block)
        if "source" not in attrs:
            self.report.error(tf, line, f"module {labels[0]} has no source")
            return
        source = expr_literal(attrs["source"])
        if source is None:
            self.report.error(tf, line, f"module {labels[0]}: source must be a literal string")
            return
        if not (source.startswith("./") or source.startswith("../")):
            self.report.warn(tf, line, f"module {labels[0]}: non-local source {source!r} not checked")
            return
        target = (self.mod.path / source).resolve()
        child = self.registry.get(target)
        if child is None:
            self.report.error(tf, line, f"module {labels[0]}: source {source!r} is not a module directory ({target})")
            return
        if child.broken:
            return  # its parse error is already reported
        passed = {k for k in attrs if k not in META_MODULE_ARGS}
        for name in sorted(passed - set(child.variables)):
            self.report.error(tf, line_of(attrs[name]), f"module {labels[0]} passes {name}, which {source} does not declare")
        for name in sorted(v for v, required in child.variables.items() if required and v not in passed):
            self.report.error(tf, line, f"module {labels[0]} does not pass required variable {name} of {source}")

    def walk_body(self, body: Tree, ctx: Ctx, skip: set[str] = frozenset()) -> None:
        for item in body_items(body):
            if item.data == "attribute":
                name = name_of(item.children[0])
                if name not in skip:
                    self.walk(item.children[-1], ctx)
            else:
                self.walk_nested(item, ctx)

    def walk_nested(self, block: Tree, ctx: Ctx) -> None:
        kind, labels, body = block_parts(block)
        if kind == "dynamic":
            attrs = attributes(body)
            iterator = labels[0] if labels else "?"
            if "iterator" in attrs:
                iterator = name_of(attrs["iterator"])
            for name, expr in attrs.items():
                if name not in {"iterator"}:
                    self.walk(expr, ctx)
            for content in blocks(body, "content"):
                self.walk_body(block_parts(content)[2], ctx.bind(iterator))
            return
        if kind == "lifecycle":
            for item in body_items(body):
                if item.data == "attribute":
                    if name_of(item.children[0]) != "ignore_changes":
                        self.walk(item.children[-1], ctx)
                else:
                    sub_kind = block_parts(item)[0]
                    self.walk_body(block_parts(item)[2], ctx.with_(self_ok=sub_kind == "postcondition"))
            return
        if kind in {"provisioner", "connection"}:
            self.walk_body(body, ctx.with_(self_ok=True))
            return
        if kind == "postcondition":
            self.walk_body(body, ctx.with_(self_ok=True))
            return
        self.walk_body(body, ctx)

    def check_provider_ref(self, tf: Path, expr: Tree, resource_type: str | None) -> None:
        found = self.chain(expr) if is_tree(expr) else None
        if found is None:
            self.report.error(tf, line_of(expr), "provider reference must be <name> or <name>.<alias>")
            return
        root = found[0]
        implied = {resource_type.split("_", 1)[0]} if resource_type else set()
        if root not in self.mod.providers | implied:
            self.report.error(tf, line_of(expr), f"provider {root} is not declared in required_providers or a provider block")

    def run(self) -> None:
        for tf, tree in self.mod.trees:
            for block in blocks(tree.children[0]):
                kind, labels, body = block_parts(block)
                attrs = attributes(body)
                base = Ctx(tf)
                if kind == "variable":
                    self.walk_body(body, base.with_(track_use=False), skip={"type"})
                elif kind == "locals":
                    self.walk_body(body, base)
                elif kind in {"resource", "data", "module"}:
                    ctx = base.with_(for_each="for_each" in attrs, count="count" in attrs)
                    if "for_each" in attrs and "count" in attrs:
                        self.report.error(tf, line_of(block), f"{kind} {' '.join(labels)} sets both count and for_each")
                    # count/for_each themselves are evaluated outside the repetition.
                    for meta in ("count", "for_each"):
                        if meta in attrs:
                            self.walk(attrs[meta], base)
                    skip = {"count", "for_each", "provider", "providers"}
                    self.walk_body(body, ctx, skip=skip)
                    rtype = labels[0] if kind in {"resource", "data"} and labels else None
                    if "provider" in attrs:
                        self.check_provider_ref(tf, attrs["provider"], rtype)
                    if kind == "module":
                        if "providers" in attrs:
                            self.walk_providers_map(tf, attrs["providers"])
                        self.check_module_call(tf, block)
                elif kind in {"output", "provider", "check"}:
                    self.walk_body(body, base)
                elif kind == "moved":
                    self.walk_body(body, base, skip={"from"})
                elif kind == "removed":
                    self.walk_body(body, base, skip={"from"})
                elif kind == "import":
                    self.walk_body(body, base, skip={"provider"})
                # terraform {} holds only constants.

    def walk_providers_map(self, tf: Path, expr: Tree) -> None:
        for obj_elem in (n for n in expr.iter_subtrees() if n.data == "object_elem"):
            self.check_provider_ref(tf, obj_elem.children[-1], None)

    def warn_unused(self) -> None:
        for name in sorted(self.mod.variables):
            if ("var", name) not in self.mod.used:
                self.report.warn(self.mod.path, None, f"variable {name} is never used")
        for name in sorted(self.mod.locals):
            if ("local", name) not in self.mod.used:
                self.report.warn(self.mod.path, None, f"local {name} is never used")
        for t, n in sorted(self.mod.data):
            if ("data", t, n) not in self.mod.used:
                self.report.warn(self.mod.path, None, f"data source data.{t}.{n} is never used")


def template_segments(body: str):
    """Yield ('$', expr) for ${...} and ('%', directive) for %{...} in template text."""
    i, n = 0, len(body)
    while i < n:
        if body.startswith("$${", i) or body.startswith("%%{", i):
            i += 3
            continue
        if (body.startswith("${", i) or body.startswith("%{", i)):
            kind = body[i]
            j, depth, quote = i + 2, 1, False
            while j < n and depth:
                ch = body[j]
                if quote:
                    if ch == "\\":
                        j += 1
                    elif ch == '"':
                        quote = False
                elif ch == '"':
                    quote = True
                elif ch == "{":
                    depth += 1
                elif ch == "}":
                    depth -= 1
                j += 1
            yield kind, body[i + 2 : j - 1]
            i = j
            continue
        i += 1


# ---- driver -------------------------------------------------------------------------------------


def module_dirs(roots: list[Path]) -> list[Path]:
    found = set()
    for root in roots:
        for tf in root.rglob("*.tf"):
            if any(part.startswith(".") for part in tf.relative_to(root).parts[:-1]):
                continue  # .terraform/ and other tool folders
            found.add(tf.parent.resolve())
    return sorted(found)


def check(roots: list[Path]) -> Report:
    report = Report()
    dirs = module_dirs(roots)
    registry = {d: load_module(d, report) for d in dirs}
    for mod in registry.values():
        checker = Checker(mod, registry, report)
        checker.run()
        checker.warn_unused()
    report.modules = len(registry)
    report.files = sum(len(m.files) for m in registry.values())
    return report


# ---- self-test ----------------------------------------------------------------------------------

CLEAN_CHILD = """
variable "name" {
  description = "n"
  type        = string
}
variable "items" {
  description = "i"
  type        = map(object({ size = optional(number, 1) }))
  default     = {}
}
locals {
  upper = upper(var.name)
  sizes = { for k, v in var.items : k => v.size if v.size > 0 }
  text  = <<EOT
%{ for k, v in local.sizes ~}
${k}=${v} of ${var.name}
%{ endfor ~}
EOT
}
data "aws_iam_policy_document" "p" {
  dynamic "statement" {
    for_each = local.sizes
    content {
      sid       = statement.key
      actions   = ["s3:GetObject"]
      resources = ["arn:aws:s3:::${local.upper}/${statement.value}"]
    }
  }
}
resource "aws_s3_bucket" "b" {
  for_each = var.items
  bucket   = "${each.key}-${local.upper}"
  tags     = { name = each.key, "size" = tostring(each.value.size) }
  lifecycle {
    ignore_changes = [tags]
    postcondition {
      condition     = self.bucket != ""
      error_message = "empty"
    }
  }
}
resource "aws_s3_bucket_policy" "b" {
  count  = length(var.items) > 0 ? 1 : 0
  bucket = values(aws_s3_bucket.b)[count.index].id
  policy = data.aws_iam_policy_document.p.json
}
output "buckets" {
  description = "b"
  value       = [for b in aws_s3_bucket.b : b.arn]
}
output "text" {
  description = "t"
  value       = local.text
}
"""

CLEAN_CALLER = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}
provider "aws" {
  alias  = "east"
  region = "us-east-1"
}
module "child" {
  source    = "../child"
  name      = "x"
  providers = { aws = aws.east }
}
output "buckets" {
  description = "b"
  value       = module.child.buckets
}
"""

# (name, file to change, old text, new text, expected error substring)
MUTATIONS = [
    ("undeclared variable", "child", 'upper(var.name)', 'upper(var.nmae)', "undeclared variable var.nmae"),
    ("undeclared local", "child", "policy = data.aws_iam_policy_document.p.json", "policy = local.missing", "undeclared local local.missing"),
    ("undeclared resource", "child", "b.arn]", 'b.arn if aws_sqs_queue.q.arn != ""]', "undeclared resource aws_sqs_queue.q"),
    ("parse error is reported", "child", "locals {", "locals {{", "parse error"),
    ("undeclared data source", "child", "data.aws_iam_policy_document.p.json", "data.aws_iam_policy_document.q.json", "undeclared data source data.aws_iam_policy_document.q"),
    ("variable in heredoc", "child", "of ${var.name}", "of ${var.absent}", "undeclared variable var.absent"),
    ("unbound for variable", "child", "k => v.size if", "k => w.size if", "unknown name 'w'"),
    ("each without for_each", "child", "count  = length(var.items) > 0 ? 1 : 0", "count  = 1\n  acl = each.key", "each.* outside a block with for_each"),
    ("dynamic iterator out of scope", "child", "sid       = statement.key", "sid       = stmt.key", "undeclared resource stmt.key"),
    ("variable without description", "child", 'description = "n"\n', "", "variable name has no description"),
    ("module passes undeclared variable", "caller", 'name      = "x"', 'name      = "x"\n  colour    = "red"', "passes colour, which ../child does not declare"),
    ("module misses required variable", "caller", 'name      = "x"', "", "does not pass required variable name"),
    ("missing module output", "caller", "module.child.buckets", "module.child.bucket_arns", "has no output 'bucket_arns'"),
    ("undeclared module", "caller", "module.child.buckets", "module.other.buckets", "undeclared module module.other"),
    ("undeclared provider alias", "caller", "aws.east", "awz.east", "provider awz is not declared"),
    ("duplicate variable", "child", 'variable "items" {', 'variable "name" {', "duplicate variable name"),
]


def self_test() -> int:
    passed = failed = 0

    def run_case(label: str, child: str, caller: str, expect: str | None) -> None:
        nonlocal passed, failed
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / "child").mkdir()
            (root / "caller").mkdir()
            (root / "child" / "main.tf").write_text(textwrap.dedent(child))
            (root / "caller" / "main.tf").write_text(textwrap.dedent(caller))
            report = check([root])
        if expect is None:
            ok = not report.errors
            detail = "; ".join(report.errors)
        else:
            ok = any(expect in e for e in report.errors)
            detail = f"expected {expect!r}, got {report.errors}"
        if ok:
            passed += 1
            print(f"ok   {label}")
        else:
            failed += 1
            print(f"FAIL {label}: {detail}")

    run_case("clean modules pass", CLEAN_CHILD, CLEAN_CALLER, None)
    for label, which, old, new, expect in MUTATIONS:
        child, caller = CLEAN_CHILD, CLEAN_CALLER
        target = child if which == "child" else caller
        if old not in target:
            print(f"FAIL {label}: mutation anchor {old!r} not found")
            failed += 1
            continue
        mutated = target.replace(old, new, 1)
        if which == "child":
            child = mutated
        else:
            caller = mutated
        run_case(label, child, caller, expect)
    print(f"self-test: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="*", type=Path, help="directories to scan (default: this script's)")
    parser.add_argument("--self-test", action="store_true", help="check that seeded mistakes are caught")
    parser.add_argument("--quiet-warnings", action="store_true", help="do not print warnings")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    roots = args.dirs or [Path(__file__).resolve().parent]
    for r in roots:
        if not r.is_dir():
            print(f"check_refs: {r} is not a directory", file=sys.stderr)
            return 2
    report = check(roots)
    for line in report.errors:
        print(line)
    if not args.quiet_warnings:
        for line in report.warnings:
            print(line)
    print(
        f"check_refs: {report.modules} modules, {report.files} files, {report.references} references, "
        f"{len(report.errors)} errors, {len(report.warnings)} warnings"
    )
    if report.modules == 0:
        print("check_refs: no .tf files found", file=sys.stderr)
        return 1
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
