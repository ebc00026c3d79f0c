"""experta's Rete matcher, with the same network and the same matches, made cheaper.

Costs of experta's matcher and facts are avoided; what the network matches, the
activations and their order are unchanged (tests/test_matcher.py):

- its root hands every declared or retracted fact to every first-level alpha node,
  and each of those copies the token only to find that the fact's type is not the
  one it tests. The first-level nodes all test the exact type of the fact
  (``type(fact) == T``: experta matches exact types, never subclasses), so the
  root here sends a fact straight to the nodes that test its type, in the order the
  network was built;
- each token re-checks, whenever it is copied, that it holds facts; the tokens made
  here come from the fact list, so the check is done once, for the fact, at the root;
- a reset walks the network recursively, meeting a join node once per parent; here
  every node is reset exactly once;
- after each change it asks every rule's conflict-set node for its new activations;
  here only the nodes that have some are asked, in the same order;
- building the network rewrites each rule several times (to disjunctive normal form),
  and each rewrite wraps the rule's function again, reading its signature anew; here a
  rewrite takes the wrapped function and its argument names from the rule it rewrites;
- a fact is made by setting each field through the checks meant for changing a declared
  fact, and every value goes through a generic dispatch to be frozen; here a new fact's
  fields are set directly, and strings, numbers, booleans, None and tuples (already
  immutable) skip the dispatch;
- a feature-test node copies its token's one fact into a list to read it and asks
  whether a plain True is a mapping; here it reads the fact and skips that question.
"""
from collections.abc import Mapping
from functools import update_wrapper
from itertools import chain

import myotrace.expert._compat  # noqa: F401
from experta import Fact
from experta.matchers import ReteMatcher
from experta.matchers.rete.check import TypeCheck
from experta.matchers.rete.nodes import BusNode, FeatureTesterNode
from experta.matchers.rete.token import Token
from experta.rule import Rule
from experta.utils import freeze

IMMUTABLE = frozenset({str, int, float, bool, type(None), tuple})  # freeze returns these as they are


def _new_conditions(self, *conditions):
    """The same rule with other conditions: what experta's ``Rule.new_conditions`` returns, without
    inspecting the function's signature again (the rule being rewritten already holds it)."""
    rule = self.__class__(*conditions, salience=self.salience)
    if self._wrapped:
        rule._wrapped = self._wrapped
        rule._wrapped_args = self._wrapped_args
        update_wrapper(rule, self._wrapped)
    return rule


Rule.new_conditions = _new_conditions


def _fact_init(self, *args, **kwargs):
    """experta's ``Fact(*args, **kwargs)``: positional fields under 0, 1, ..., every value frozen."""
    for key, value in chain(enumerate(args), kwargs.items()):
        dict.__setitem__(self, key, value if type(value) in IMMUTABLE else freeze(value))
    self._Fact__defaults = {}


Fact.__init__ = _fact_init


def _feature_test(self, token):
    """experta's feature-test activation: the token's one fact is tested; a mapping answer
    binds variables, and the token goes on only if they agree with what it already binds."""
    if len(token.data) != 1:
        raise ValueError("a feature test takes a token of one fact")
    for fact in token.data:
        break
    match = self.matcher(fact)
    if not match:
        return
    if match is not True and isinstance(match, Mapping):
        context = token.context
        for key, value in match.items():
            if isinstance(key, tuple):  # a negated binding
                if key[1] in context and context[key[1]] == value:
                    return
            else:
                if context.get(key, value) != value:
                    return
                if (False, key) in context and context[(False, key)] == value:
                    return
        context.update(match)
    for child in self.children:
        child.callback(token)


FeatureTesterNode._activate = _feature_test


class CheckedToken(Token):
    """A token whose facts were checked once, where it was made: its copies skip the check."""

    __slots__ = ()

    def __new__(cls, tag, data, context=None):
        data = {data} if isinstance(data, Fact) else set(data)
        return tuple.__new__(cls, (tag, data, {} if context is None else context))


class TypeRoutingBus(BusNode):
    """The root node: a fact goes only to the alpha nodes that test its type
    (and to any first-level node that tests something else, as before)."""

    def __init__(self):
        self._routes = {}  # fact type -> its children; filled on first use, once the network is built
        super().__init__()

    def _children_for(self, fact):
        kind = type(fact)
        routes = self._routes.get(kind)
        if routes is None:
            routes = self._routes[kind] = tuple(child for child in self.children
                                                if _accepts(child.node, kind))
        return routes

    def add(self, fact):
        self._send(fact, Token.TagType.VALID)

    def remove(self, fact):
        self._send(fact, Token.TagType.INVALID)

    def _send(self, fact, tag):
        if not isinstance(fact, Fact):
            raise TypeError(f"not a fact: {fact!r}")
        token = CheckedToken(tag, (fact,))
        for child in self._children_for(fact):
            child.callback(token)


def _accepts(node, kind) -> bool:
    test = getattr(node, "matcher", None)
    return not isinstance(test, TypeCheck) or test.fact_type is kind


class TypeRoutingMatcher(ReteMatcher):
    """experta's Rete network, built the same way, under a type-routing root."""

    def build_network(self):
        self.root_node = TypeRoutingBus()
        super().build_network()
        self._nodes = tuple(_every_node(self.root_node))
        self._conflict_sets = self._get_conflict_set_nodes()

    def reset(self):
        for node in self._nodes:
            node._reset()

    def changes(self, adding=None, deleting=None):
        for fact in deleting or ():
            self.root_node.remove(fact)
        for fact in adding or ():
            self.root_node.add(fact)
        added, removed = [], []
        for node in self._conflict_sets:
            if node.added or node.removed:
                new, gone = node.get_activations()
                added.extend(new)
                removed.extend(gone)
        return added, removed


def _every_node(root):
    """Each node of the network once, parents before children."""
    seen, order, stack = set(), [], [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        stack.extend(child.node for child in reversed(node.children))
    return order
