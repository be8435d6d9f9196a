"""OData query options for /devices: a $filter compiler and $select, $search parsing."""

import datetime
import re

from .errors import bad_request, unsupported_query
from .store import EXTENSION_KEYS, PROPERTY_NAMES

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# Filterable device properties and their EDM kind.
FILTER_TYPES = {
    "id": "guid", "deviceId": "guid",
    "displayName": "string", "operatingSystem": "string", "operatingSystemVersion": "string", "trustType": "string",
    "manufacturer": "string", "model": "string", "profileType": "string", "deviceOwnership": "string",
    "enrollmentType": "string", "mdmAppId": "string", "managementType": "string",
    "accountEnabled": "bool", "isCompliant": "bool", "isManaged": "bool", "onPremisesSyncEnabled": "bool",
    "approximateLastSignInDateTime": "datetime", "registrationDateTime": "datetime",
}
_FILTER_LOOKUP = {name.lower(): name for name in FILTER_TYPES}
_FILTER_LOOKUP.update({("extensionAttributes/" + key).lower(): "extensionAttributes/" + key for key in EXTENSION_KEYS})
_EDM = {"guid": "Edm.Guid", "string": "Edm.String", "bool": "Edm.Boolean", "datetime": "Edm.DateTimeOffset"}

_TOKEN_RE = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<punct>[(),])
""", re.VERBOSE)

_COMPARISONS = ("eq", "ne", "gt", "ge", "lt", "le")
# How OData names operators in its type-mismatch message.
_OPERATOR_KINDS = {"eq": "Equal", "ne": "NotEqual", "gt": "GreaterThan", "ge": "GreaterThanOrEqual", "lt": "LessThan",
                   "le": "LessThanOrEqual", "in": "In"}


class Token:
    __slots__ = ("kind", "value", "position")

    def __init__(self, kind, value, position):
        self.kind = kind
        self.value = value
        self.position = position


def _tokenize(text):
    tokens = []
    position = 0
    while position < len(text):
        match = _TOKEN_RE.match(text, position)
        if not match:
            raise _syntax_error(text, position)
        kind = match.lastgroup
        if kind != "space":
            tokens.append(Token(kind, match.group(), position))
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


def _syntax_error(text, position):
    return bad_request("Invalid filter clause: Syntax error at position %d in '%s'." % (position, text), code="BadRequest")


def _parse_datetime(text):
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


class Literal:
    """A parsed literal: kind is string, bool, null, datetime or number."""

    def __init__(self, kind, value):
        self.kind = kind
        self.value = value


class FilterCompiler:
    """Recursive-descent parser that turns a $filter string into a predicate on device records.

    After compile(), advanced_reasons lists the features that need the advanced-query form.
    """

    def __init__(self, text):
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0
        self.advanced_reasons = []

    def compile(self):
        predicate = self._or()
        if self._peek().kind != "end":
            raise _syntax_error(self.text, self._peek().position)
        return predicate

    def _peek(self):
        return self.tokens[self.index]

    def _next(self):
        token = self.tokens[self.index]
        self.index += 1
        return token

    def _keyword(self, *words):
        token = self._peek()
        if token.kind == "word" and token.value.lower() in words:
            self.index += 1
            return token.value.lower()
        return None

    def _expect(self, value):
        token = self._next()
        if token.value != value:
            raise _syntax_error(self.text, token.position)

    def _or(self):
        terms = [self._and()]
        while self._keyword("or"):
            terms.append(self._and())
        if len(terms) == 1:
            return terms[0]
        return lambda device: any(term(device) for term in terms)

    def _and(self):
        terms = [self._unary()]
        while self._keyword("and"):
            terms.append(self._unary())
        if len(terms) == 1:
            return terms[0]
        return lambda device: all(term(device) for term in terms)

    def _unary(self):
        if self._keyword("not"):
            self.advanced_reasons.append("not")
            inner = self._unary()
            return lambda device: not inner(device)
        return self._primary()

    def _primary(self):
        token = self._peek()
        if token.value == "(":
            self._next()
            inner = self._or()
            self._expect(")")
            return inner
        if token.kind != "word":
            raise _syntax_error(self.text, token.position)
        following = self.tokens[self.index + 1]
        if following.value == "(":
            return self._function()
        return self._comparison()

    def _property(self):
        token = self._next()
        if token.kind != "word":
            raise _syntax_error(self.text, token.position)
        name = _FILTER_LOOKUP.get(token.value.lower())
        if name is None:
            base = token.value.split("/")[0]
            if base.lower() in PROPERTY_NAMES and "/" not in token.value:
                raise unsupported_query("Unsupported or invalid query filter clause specified for property '%s' of resource 'Device'."
                                        % PROPERTY_NAMES[base.lower()])
            raise bad_request("Could not find a property named '%s' on type 'microsoft.graph.device'." % token.value, code="BadRequest")
        if name.startswith("extensionAttributes/"):
            self.advanced_reasons.append("extensionAttributes")
            key = name.split("/")[1]
            return name, "string", lambda device: device["extensionAttributes"][key]
        return name, FILTER_TYPES[name], lambda device: device[name]

    def _literal(self):
        token = self._next()
        if token.kind == "string":
            return Literal("string", token.value[1:-1].replace("''", "'"))
        if token.kind == "datetime":
            value = _parse_datetime(token.value)
            if value is None:
                raise _syntax_error(self.text, token.position)
            return Literal("datetime", value)
        if token.kind == "number":
            return Literal("number", token.value)
        if token.kind == "word" and token.value in ("true", "false"):
            return Literal("bool", token.value == "true")
        if token.kind == "word" and token.value == "null":
            return Literal("null", None)
        raise _syntax_error(self.text, token.position)

    @staticmethod
    def _check_type(kind, literal, operator):
        if literal.kind == "null":
            return
        compatible = {"guid": ("string",), "string": ("string",), "bool": ("bool",), "datetime": ("datetime",)}[kind]
        if literal.kind not in compatible:
            literal_edm = {"string": "Edm.String", "bool": "Edm.Boolean", "datetime": "Edm.DateTimeOffset", "number": "Edm.Int32"}
            raise bad_request("A binary operator with incompatible types was detected. Found operand types '%s' and '%s' for "
                              "operator kind '%s'." % (_EDM[kind], literal_edm[literal.kind], _OPERATOR_KINDS[operator]), code="BadRequest")
        if kind == "guid" and not GUID_RE.match(literal.value):
            raise bad_request("Invalid object identifier '%s'." % literal.value)

    def _comparison(self):
        name, kind, getter = self._property()
        operator = self._keyword(*(_COMPARISONS + ("in",)))
        if operator is None:
            raise _syntax_error(self.text, self._peek().position)
        if operator == "in":
            return self._in(kind, getter)
        literal = self._literal()
        self._check_type(kind, literal, operator)
        if operator in ("eq", "ne"):
            if operator == "ne":
                self.advanced_reasons.append("ne")
            matches = _equality(kind, getter, literal)
            return matches if operator == "eq" else (lambda device: not matches(device))
        if kind != "datetime" or literal.kind != "datetime":
            raise unsupported_query("Unsupported or invalid query filter clause specified for property '%s' of resource 'Device'." % name)
        return _ordering(getter, operator, literal.value)

    def _in(self, kind, getter):
        self._expect("(")
        literals = [self._literal()]
        while self._peek().value == ",":
            self._next()
            literals.append(self._literal())
        self._expect(")")
        tests = []
        for literal in literals:
            self._check_type(kind, literal, "in")
            tests.append(_equality(kind, getter, literal))
        return lambda device: any(test(device) for test in tests)

    def _function(self):
        token = self._next()
        function = token.value.lower()
        if function not in ("startswith", "endswith"):
            raise unsupported_query("Unsupported query function '%s'." % token.value)
        if function == "endswith":
            self.advanced_reasons.append("endsWith")
        self._expect("(")
        name, kind, getter = self._property()
        self._expect(",")
        literal = self._literal()
        self._expect(")")
        if kind != "string" or literal.kind != "string":
            raise unsupported_query("Unsupported or invalid query filter clause specified for property '%s' of resource 'Device'." % name)
        needle = literal.value.lower()

        def test(device):
            value = getter(device)
            if value is None:
                return False
            return value.lower().startswith(needle) if function == "startswith" else value.lower().endswith(needle)
        # Graph also accepts "startswith(...) eq true".
        if self._keyword("eq"):
            expected = self._literal()
            if expected.kind != "bool":
                raise _syntax_error(self.text, self._peek().position)
            if not expected.value:
                return lambda device: not test(device)
        return test


def _equality(kind, getter, literal):
    if literal.kind == "null":
        return lambda device: getter(device) is None
    expected = literal.value.lower() if kind in ("string", "guid") else literal.value

    def test(device):
        value = getter(device)
        if value is None:
            return False
        if kind in ("string", "guid"):
            return value.lower() == expected
        if kind == "datetime":
            return _parse_datetime(value) == expected
        return value is expected
    return test


def _ordering(getter, operator, expected):
    compare = {"gt": lambda a: a > expected, "ge": lambda a: a >= expected, "lt": lambda a: a < expected, "le": lambda a: a <= expected}[operator]

    def test(device):
        value = getter(device)
        return value is not None and compare(_parse_datetime(value))
    return test


def compile_filter(text):
    """Return (predicate, advanced_reasons) for a $filter value; raise GraphError on bad input."""
    if not text.strip():
        raise bad_request("Invalid filter clause: The filter expression is empty.", code="BadRequest")
    compiler = FilterCompiler(text)
    return compiler.compile(), compiler.advanced_reasons


def parse_select(text, default):
    """Return the canonical property names of a $select value."""
    if text is None:
        return default
    names = []
    for part in text.split(","):
        part = part.strip()
        canonical = PROPERTY_NAMES.get(part.lower())
        if canonical is None:
            raise bad_request("Could not find a property named '%s' on type 'microsoft.graph.device'." % part, code="BadRequest")
        if canonical not in names:
            names.append(canonical)
    if "id" not in names:
        names.insert(0, "id")  # Graph always returns the key
    return names


_SEARCH_CLAUSE_RE = re.compile(r'^"(?P<prop>[A-Za-z]+):(?P<term>[^"]*)"$')


def compile_search(text):
    """Compile $search ("displayName:term" clauses joined by AND/OR, AND binding tighter) into a tokenized prefix match."""
    groups = []
    for group in re.split(r"\s+OR\s+", text.strip()):
        terms = []
        for part in re.split(r"\s+AND\s+", group):
            match = _SEARCH_CLAUSE_RE.match(part)
            if not match:
                raise bad_request("Invalid search clause: %s. Use \"property:term\" in double quotes." % part)
            if match.group("prop").lower() != "displayname":
                raise unsupported_query("Unsupported search property '%s' of resource 'Device'." % match.group("prop"))
            terms.append(_search_term(match.group("term").lower()))
        groups.append(terms)
    return lambda device: any(all(term(device) for term in terms) for terms in groups)


def _search_term(term):
    def test(device):
        value = (device["displayName"] or "").lower()
        return value.startswith(term) or any(word.startswith(term) for word in re.split(r"[^0-9a-z]+", value))
    return test
