"""The fast form as Python bytecode: each rule body, each amount and each frame becomes one Python
function built as an `ast` tree and `compile()`d, instead of a closure per node (a call per node
was most of the fast form's time).

No policy text becomes code: the tree is walked node by node and only the shapes below are emitted.
What comes from a policy enters the generated tree only as an `ast.Constant` (numbers, text, booleans)
or as a value bound to a mangled name (`_k3`: a Fraction, a date, a set of members, a table); rule
and input names never become identifiers (`_d7` calls rule number 7). The semantics are the closures'
(engine/evaluate/fast_compiler.py) node for node, evaluation order and missing values included, so
the differential tests that hold the fast form to the tree hold this too. A node kind without a
shape here, and a band schedule of more than one rate, is called as its closure, whose own
sub-expressions come back here."""

from __future__ import annotations

import ast
import math
from fractions import Fraction

from engine.tree import nodes as tree
from engine.tree.missing import may_be_missing

_COMPARE = {"<": ast.Lt, "<=": ast.LtE, ">": ast.Gt, ">=": ast.GtE, "=": ast.Eq, "!=": ast.NotEq}
_ARITH = {"+": ast.Add, "-": ast.Sub, "×": ast.Mult}
_PLAIN = (bool, int, str, type(None))  # what an ast.Constant may hold here (floats never occur: money is exact)


def _by_closure(node, policy) -> bool:
    """The nodes whose shape here would not say what the closure says: a table keyed by a number,
    a date moved by a duration, arithmetic on a value that may be missing (engine.tree.missing)."""
    if isinstance(node, tree.TableCell):
        return policy.tables[node.table].bands is not None
    if isinstance(node, tree.Arith) and node.kind == "date":
        return True
    if isinstance(node, (tree.Arith, tree.Smaller, tree.Larger)):
        return may_be_missing(node.left, policy) or may_be_missing(node.right, policy)
    if isinstance(node, tree.RoundDown):
        return may_be_missing(node.operand, policy)
    return False


def _divide(a, b):
    return Fraction(a) / b if b else 0  # as the tree: exact, a quotient by 0 is 0


def _count(items) -> int:
    """`number of` a list without a condition: its records, or the distinct members of an enum list."""
    if items and not isinstance(items[0], dict):
        return len(set(items))
    return len(items)


def _among(members, items) -> int:
    return sum(1 for m in members if m in items)


def _floors(reasons: list, unmet: list) -> None:
    reasons.extend([("floor", n) for n in unmet])


def _name(identifier: str) -> ast.Name:
    return ast.Name(id=identifier, ctx=ast.Load())


def _call(function: str, *args) -> ast.Call:
    return ast.Call(func=_name(function), args=list(args), keywords=[])


class Codegen:
    """Builds Python functions (env, item) -> value for expression nodes of `policy`; `closure(node)`
    is the closure compiler's, used for the node kinds without a shape here."""

    def __init__(self, policy, closure):
        self.policy = policy
        self.closure = closure
        self.namespace: dict = {"__builtins__": {},
                                "_divide": _divide, "_floor": math.floor, "_EMPTY": {},
                                "_count": _count, "_among": _among, "_floors": _floors,
                                "sum": sum, "len": len, "min": min, "max": max, "all": all, "any": any, "int": int,
                                "_Fraction": Fraction}
        self.rule_names = {name: f"_d{i}" for i, name in enumerate(policy.definitions)}
        self.counter = 0
        self.uses: set = set()  # what the function being built reads from env: "case", "memo"

    # ------------------------------------------------------------ building functions
    def function(self, node, store: str | None = None):
        """A compiled function (env, item) -> the node's value; `store`: the rule whose value it is,
        which the function also records in the case's memo (as the closures' `ref` does)."""
        def build(statements: list) -> ast.expr:
            body = self.expr(node)
            if store is None:
                return body
            self.uses.add("memo")
            statements.append(ast.Assign(targets=[ast.Subscript(value=_name("memo"), slice=ast.Constant(store), ctx=ast.Store()),
                                                  ast.Name(id="_value", ctx=ast.Store())], value=body))
            return _name("_value")

        return self.build(self.rule_names[store] if store is not None else self.fresh("_f"), ("env", "item"), build)

    def amount(self, a, schedule):
        """A compiled function (env, item, unmet) -> an amount's whole yen, as the closure compiler's
        `amount`: parts added, caps applied, a floor not met named in `unmet` (the amount's floors
        before its parts'). `schedule(a)` is the closure of a band schedule without a shape here."""
        return self.build(self.fresh("_a"), ("env", "item", "unmet"), lambda out: self.amount_body(a, out, schedule, True))

    def build(self, name: str, parameters: tuple, make):
        """Compile one function: `make(statements)` appends its statements and gives what it returns."""
        outer, self.uses = getattr(self, "uses", set()), set()
        statements: list = []
        result = make(statements)
        preamble = []
        if "case" in self.uses:
            preamble.append(ast.Assign(targets=[ast.Name(id="case", ctx=ast.Store())],
                                       value=ast.Attribute(value=_name("env"), attr="case", ctx=ast.Load())))
        if "memo" in self.uses:
            preamble.append(ast.Assign(targets=[ast.Name(id="memo", ctx=ast.Store())],
                                       value=ast.Attribute(value=_name("env"), attr="memo", ctx=ast.Load())))
        self.uses = outer
        defaults = [ast.Constant(None)] if parameters == ("env", "item") else []
        arguments = ast.arguments(posonlyargs=[], args=[ast.arg(arg=p) for p in parameters], kwonlyargs=[], kw_defaults=[],
                                  defaults=defaults)
        function = ast.FunctionDef(name=name, args=arguments, body=preamble + statements + [ast.Return(value=result)],
                                   decorator_list=[], returns=None, type_params=[])
        code = compile(ast.fix_missing_locations(ast.Module(body=[function], type_ignores=[])), "<fast form>", "exec")
        exec(code, self.namespace)  # defines the one function built above from the tree; no text is parsed
        return self.namespace[name]

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def bind(self, value) -> ast.expr:
        """A value from the policy: a constant when it is plain, else a mangled global holding it."""
        if isinstance(value, _PLAIN):
            return ast.Constant(value)
        name = self.fresh("_k")
        self.namespace[name] = value
        return _name(name)

    def temporary(self) -> str:
        return self.fresh("_t")

    # ------------------------------------------------------------ expressions
    def expr(self, node) -> ast.expr:
        method = getattr(self, "g_" + type(node).__name__, None)
        if method is None or _by_closure(node, self.policy):  # no shape here: its closure, called
            return _call(self.bind_function(self.closure(node)), _name("env"), _name("item"))
        return method(node)

    def bind_function(self, fn) -> str:
        name = self.fresh("_c")
        self.namespace[name] = fn
        return name

    def g_Const(self, n):
        return self.bind(n.value)

    def g_Input(self, n):
        self.uses.add("case")
        if len(n.path) == 1:
            return ast.Call(func=ast.Attribute(value=_name("case"), attr="get", ctx=ast.Load()), args=[ast.Constant(n.path[0])], keywords=[])
        first, second = n.path  # (group.get(second) if group else None), the group read once
        group = ast.BoolOp(op=ast.Or(), values=[
            ast.Call(func=ast.Attribute(value=_name("case"), attr="get", ctx=ast.Load()), args=[ast.Constant(first)], keywords=[]),
            _name("_EMPTY")])
        return ast.Call(func=ast.Attribute(value=group, attr="get", ctx=ast.Load()), args=[ast.Constant(second)], keywords=[])

    def g_Item(self, n):
        get = ast.Call(func=ast.Attribute(value=_name("item"), attr="get", ctx=ast.Load()), args=[ast.Constant(n.name)], keywords=[])
        return ast.IfExp(test=_name("item"), body=get, orelse=ast.Constant(None))

    def g_DefRef(self, n):
        self.uses.add("memo")
        key = ast.Constant(n.name)
        known = ast.Compare(left=key, ops=[ast.In()], comparators=[_name("memo")])
        looked_up = ast.Subscript(value=_name("memo"), slice=ast.Constant(n.name), ctx=ast.Load())
        return ast.IfExp(test=known, body=looked_up, orelse=_call(self.rule_names[n.name], _name("env")))

    def g_TableCell(self, n):
        table = self.policy.tables[n.table]
        column = table.columns.index(n.column)
        rows = self.bind({member: values[column] for member, values in table.rows.items()})
        return ast.Call(func=ast.Attribute(value=rows, attr="get", ctx=ast.Load()), args=[self.expr(n.key)], keywords=[])

    def g_Compare(self, n):
        if isinstance(n.right, tree.Const) and isinstance(n.right.value, Fraction) and n.right.value.denominator != 1:
            return self.compare_to_fraction(n)
        # both sides evaluated, then: False if either is missing, else the comparison
        a, b = self.temporary(), self.temporary()
        left = ast.NamedExpr(target=ast.Name(id=a, ctx=ast.Store()), value=self.expr(n.left))
        right = ast.NamedExpr(target=ast.Name(id=b, ctx=ast.Store()), value=self.expr(n.right))
        missing = ast.BinOp(left=ast.Compare(left=left, ops=[ast.Is()], comparators=[ast.Constant(None)]), op=ast.BitOr(),
                            right=ast.Compare(left=right, ops=[ast.Is()], comparators=[ast.Constant(None)]))
        compared = ast.Compare(left=_name(a), ops=[_COMPARE[n.op]()], comparators=[_name(b)])
        return ast.IfExp(test=missing, body=ast.Constant(False), orelse=compared)

    def compare_to_fraction(self, n):
        """x op p/q as x.numerator·q op p·x.denominator: integers instead of a Fraction comparison
        (x is an int or a Fraction, whose denominator is positive; False when x is missing)."""
        rate = n.right.value
        a = self.temporary()
        left = ast.NamedExpr(target=ast.Name(id=a, ctx=ast.Store()), value=self.expr(n.left))
        missing = ast.Compare(left=left, ops=[ast.Is()], comparators=[ast.Constant(None)])
        scaled = ast.BinOp(left=ast.Attribute(value=_name(a), attr="numerator", ctx=ast.Load()), op=ast.Mult(),
                           right=ast.Constant(rate.denominator))
        other = ast.BinOp(left=ast.Constant(rate.numerator), op=ast.Mult(),
                          right=ast.Attribute(value=_name(a), attr="denominator", ctx=ast.Load()))
        compared = ast.Compare(left=scaled, ops=[_COMPARE[n.op]()], comparators=[other])
        return ast.IfExp(test=missing, body=ast.Constant(False), orelse=compared)

    def g_Member(self, n):
        members = self.bind(frozenset(n.members))
        return ast.Compare(left=self.expr(n.operand), ops=[ast.NotIn() if n.negated else ast.In()], comparators=[members])

    def g_Contains(self, n):
        within = ast.BoolOp(op=ast.Or(), values=[self.expr(n.operand), ast.Tuple(elts=[], ctx=ast.Load())])
        return ast.Compare(left=self.bind(n.member), ops=[ast.In()], comparators=[within])

    def g_Given(self, n):
        return ast.Compare(left=self.expr(n.operand), ops=[ast.IsNot()], comparators=[ast.Constant(None)])

    def g_Not(self, n):
        return ast.UnaryOp(op=ast.Not(), operand=self.expr(n.operand))

    def g_All(self, n):  # every one evaluated (a tuple, not a generator), like the tree
        return _call("all", ast.Tuple(elts=[self.expr(i) for i in n.items], ctx=ast.Load()))

    def g_Any(self, n):
        return _call("any", ast.Tuple(elts=[self.expr(i) for i in n.items], ctx=ast.Load()))

    def g_IfElse(self, n):
        return ast.IfExp(test=self.expr(n.condition), body=self.expr(n.then), orelse=self.expr(n.otherwise))

    def g_Cases(self, n):
        result = self.expr(n.otherwise)
        for branch in reversed(n.branches):  # the first branch whose condition holds
            result = ast.IfExp(test=self.expr(branch.condition), body=self.expr(branch.body), orelse=result)
        return result

    def g_Arith(self, n):
        left, right = self.expr(n.left), self.expr(n.right)
        result = _call("_divide", left, right) if n.op == "÷" else ast.BinOp(left=left, op=_ARITH[n.op](), right=right)
        return self.whole(result)

    def whole(self, value: ast.expr) -> ast.expr:
        """_whole(value) inline: (int(t) if type(t) is Fraction and t.denominator == 1 else t)."""
        t = self.temporary()
        named = ast.NamedExpr(target=ast.Name(id=t, ctx=ast.Store()), value=value)
        is_fraction = ast.Compare(left=ast.Attribute(value=named, attr="__class__", ctx=ast.Load()), ops=[ast.Is()],
                                  comparators=[_name("_Fraction")])
        whole = ast.Compare(left=ast.Attribute(value=_name(t), attr="denominator", ctx=ast.Load()), ops=[ast.Eq()],
                            comparators=[ast.Constant(1)])
        return ast.IfExp(test=ast.BoolOp(op=ast.And(), values=[is_fraction, whole]), body=_call("int", _name(t)), orelse=_name(t))

    def g_RoundDown(self, n):
        return _call("_floor", self.expr(n.operand))

    def g_Smaller(self, n):
        return _call("min", self.expr(n.left), self.expr(n.right))

    def g_Larger(self, n):
        return _call("max", self.expr(n.left), self.expr(n.right))

    def g_Fallback(self, n):
        """(fallback if (t := value) is None else t): the value read once, as the closure does."""
        t = self.temporary()
        named = ast.NamedExpr(target=ast.Name(id=t, ctx=ast.Store()), value=self.expr(n.value))
        missing = ast.Compare(left=named, ops=[ast.Is()], comparators=[ast.Constant(None)])
        return ast.IfExp(test=missing, body=self.bind(n.fallback.value), orelse=_name(t))


    # ------------------------------------------------------------ lists: one comprehension, the item named `item` in it
    def items_of(self, n) -> ast.expr:
        """The list's items, or () when it is missing (a list is read from the case, never an item)."""
        return ast.BoolOp(op=ast.Or(), values=[self.g_Input(n.list), ast.Tuple(elts=[], ctx=ast.Load())])

    def listed(self, element: ast.expr, n, where) -> ast.ListComp:
        """[element for item in the list if where]: the condition and the element see each list item
        as `item`, as the closures pass it."""
        conditions = [self.expr(where)] if where is not None else []
        loop = ast.comprehension(target=ast.Name(id="item", ctx=ast.Store()), iter=self.items_of(n), ifs=conditions, is_async=0)
        return ast.ListComp(elt=element, generators=[loop])

    def g_Total(self, n):
        # Σ of the field over the items that meet `where`, a missing value skipped
        value = self.fresh("_v")
        get = ast.Call(func=ast.Attribute(value=_name("item"), attr="get", ctx=ast.Load()), args=[ast.Constant(n.field)], keywords=[])
        comprehension = self.listed(_name(value), n, n.where)
        comprehension.generators.append(ast.comprehension(
            target=ast.Name(id=value, ctx=ast.Store()), iter=ast.List(elts=[get], ctx=ast.Load()),
            ifs=[ast.Compare(left=_name(value), ops=[ast.IsNot()], comparators=[ast.Constant(None)])], is_async=0))
        return _call("sum", comprehension)

    def g_TotalOf(self, n):
        return self.whole(_call("sum", self.listed(self.expr(n.value), n, n.where)))

    def g_Count(self, n):
        if n.where is None:
            return _call("_count", self.items_of(n))
        return _call("len", self.listed(ast.Constant(1), n, n.where))

    def g_CountAmong(self, n):
        return _call("_among", self.bind(tuple(n.members)), self.items_of(n))

    def g_Quantified(self, n):
        return _call("any" if n.quantifier == "any" else "all", self.listed(self.expr(n.where), n, None))

    # ------------------------------------------------------------ amounts
    def amount_body(self, a, out: list, schedule, each: bool) -> ast.expr:
        """Statements computing amount `a` into a fresh variable, appended to `out`; that variable."""
        if a.for_each is not None and each:  # its body once per item, a function of its own
            per_item = self.build(self.fresh("_a"), ("env", "item", "unmet"), lambda o: self.amount_body(a, o, schedule, False))
            call = _call(self.bind_function(per_item), _name("env"), _name("item"), _name("unmet"))
            loop = ast.comprehension(target=ast.Name(id="item", ctx=ast.Store()), iter=ast.BoolOp(op=ast.Or(), values=[
                self.g_Input(a.for_each.list), ast.Tuple(elts=[], ctx=ast.Load())]), ifs=[], is_async=0)
            return self.assign(out, _call("sum", ast.ListComp(elt=call, generators=[loop])))
        mark = None
        if a.floors:  # the tree lists an amount's floors before its parts'
            mark = self.assign(out, _call("len", _name("unmet")))
        if a.parts:
            values = [self.amount_body(p, out, schedule, True) for p in a.parts]
            total = values[0]
            for v in values[1:]:
                total = ast.BinOp(left=total, op=ast.Add(), right=v)
        else:
            total = self.before_caps(a, schedule)
        value = self.assign(out, total)
        for cap in a.caps:
            # the limit is read only where the cap applies (`at most X when X is given`: X is missing elsewhere)
            inner: list = []
            limit = self.assign(inner, self.whole_yen(cap.limit))
            over = ast.Compare(left=value, ops=[ast.Gt()], comparators=[limit])
            inner.append(ast.If(test=over, body=[ast.Assign(targets=[ast.Name(id=value.id, ctx=ast.Store())], value=limit)], orelse=[]))
            if cap.condition is None:
                out.extend(inner)
            else:
                condition = self.expr(cap.condition)
                active = ast.UnaryOp(op=ast.Not(), operand=condition) if cap.negated else condition
                out.append(ast.If(test=active, body=inner, orelse=[]))
        for floor in a.floors:
            below = ast.Compare(left=value, ops=[ast.Lt()], comparators=[self.whole_yen(floor.limit)])
            insert = ast.Expr(value=ast.Call(func=ast.Attribute(value=_name("unmet"), attr="insert", ctx=ast.Load()),
                                             args=[mark, ast.Constant(a.name)], keywords=[]))
            advance = ast.AugAssign(target=ast.Name(id=mark.id, ctx=ast.Store()), op=ast.Add(), value=ast.Constant(1))
            out.append(ast.If(test=below, body=[insert, advance], orelse=[]))
        return value

    def before_caps(self, a, schedule) -> ast.expr:
        """A leaf's subsidy before its caps: ⌊base·n/d⌋ in integers for one constant rate rounded
        down (as the closures), else the band schedule's closure."""
        if len(a.bands) == 1 and isinstance(a.bands[0].rate, tree.Const) and a.round_down:
            rate = Fraction(a.bands[0].rate.value)
            base = ast.BoolOp(op=ast.Or(), values=[self.expr(a.base), ast.Constant(0)])
            scaled = ast.BinOp(left=base, op=ast.Mult(), right=ast.Constant(rate.numerator))
            return ast.BinOp(left=scaled, op=ast.FloorDiv(), right=ast.Constant(rate.denominator))
        return _call(self.bind_function(schedule(a)), _name("env"), _name("item"))

    def whole_yen(self, node) -> ast.expr:
        """⌊limit⌋; a whole constant as itself."""
        if isinstance(node, tree.Const) and isinstance(node.value, int) and not isinstance(node.value, bool):
            return ast.Constant(node.value)
        return _call("_floor", self.expr(node))

    def assign(self, out: list, value: ast.expr) -> ast.Name:
        name = self.fresh("_x")
        out.append(ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=value))
        return _name(name)

    # ------------------------------------------------------------ frames
    def frame(self, f, amount, date_reason, statuses: tuple[str, str, str]):
        """A compiled function (env) -> the frame's decision summary, as the closure compiler's
        `decide`: each requirement, exclusion and step looked up in the memo or computed, in order."""
        not_eligible, after_steps, eligible = statuses

        def append(to: str, element: ast.expr) -> ast.Expr:
            return ast.Expr(value=ast.Call(func=ast.Attribute(value=_name(to), attr="append", ctx=ast.Load()), args=[element],
                                           keywords=[]))

        def pair(kind, name) -> ast.Tuple:
            return ast.Tuple(elts=[ast.Constant(kind), ast.Constant(name)], ctx=ast.Load())

        def rule(name: str) -> ast.expr:
            return self.g_DefRef(tree.DefRef(name=name, kind="bool", origin=f.origin))

        def build(out: list) -> ast.expr:
            out.append(ast.Assign(targets=[ast.Name(id="reasons", ctx=ast.Store())], value=ast.List(elts=[], ctx=ast.Load())))
            for n in f.requires:
                out.append(ast.If(test=ast.UnaryOp(op=ast.Not(), operand=rule(n)), body=[append("reasons", pair("requirement", n))],
                                  orelse=[]))
            for n in f.exclusions:
                out.append(ast.If(test=rule(n), body=[append("reasons", pair("exclusion", n))], orelse=[]))
            out.append(ast.Assign(targets=[ast.Name(id="unmet", ctx=ast.Store())], value=ast.List(elts=[], ctx=ast.Load())))
            subsidy = self.assign(out, _call(self.bind_function(amount), _name("env"), ast.Constant(None), _name("unmet")))
            why = self.assign(out, _call(self.bind_function(date_reason), _name("env")))
            out.append(ast.If(test=ast.Compare(left=why, ops=[ast.IsNot()], comparators=[ast.Constant(None)]),
                              body=[append("reasons", ast.Tuple(elts=[why, ast.Constant(None)], ctx=ast.Load()))], orelse=[]))
            out.append(ast.If(test=_name("unmet"), body=[ast.Expr(value=_call("_floors", _name("reasons"), _name("unmet")))], orelse=[]))
            nothing = ast.BoolOp(op=ast.And(), values=[ast.UnaryOp(op=ast.Not(), operand=_name("reasons")),
                                                      ast.Compare(left=subsidy, ops=[ast.LtE()], comparators=[ast.Constant(0)])])
            out.append(ast.If(test=nothing, body=[append("reasons", pair("no_subsidy", f.name))], orelse=[]))
            out.append(ast.Assign(targets=[ast.Name(id="pending", ctx=ast.Store())], value=ast.List(elts=[], ctx=ast.Load())))
            for n in f.steps:
                out.append(ast.If(test=ast.UnaryOp(op=ast.Not(), operand=rule(n)), body=[append("pending", ast.Constant(n))], orelse=[]))
            status = ast.IfExp(test=_name("reasons"), body=ast.Constant(not_eligible),
                               orelse=ast.IfExp(test=_name("pending"), body=ast.Constant(after_steps), orelse=ast.Constant(eligible)))
            status = self.assign(out, status)
            granted = ast.IfExp(test=ast.Compare(left=status, ops=[ast.NotEq()], comparators=[ast.Constant(not_eligible)]),
                                body=subsidy, orelse=ast.Constant(0))
            keys = ["frame", "status", "subsidy", "reasons", "pending_steps"]
            values = [ast.Constant(f.name), status, granted, _name("reasons"), _name("pending")]
            return ast.Dict(keys=[ast.Constant(k) for k in keys], values=values)

        return self.build(self.fresh("_frame"), ("env",), build)
