"""Unit tests of the agent's parts, in the program's own process (run by test/integration/python/unittest.test.ts)."""

import gc
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from memory_profiler_agent import _garbage, _ids, _safe, _threads  # noqa: E402

CALLS = []


class Loud:
    """Every method records that it ran: the agent must call none."""

    def __repr__(self):
        CALLS.append("__repr__")
        return "loud"

    def __sizeof__(self):
        CALLS.append("__sizeof__")
        return 10**9

    def __getattribute__(self, name):
        CALLS.append("__getattribute__ " + name)
        return object.__getattribute__(self, name)

    def __eq__(self, other):
        CALLS.append("__eq__")
        return False

    def __hash__(self):
        CALLS.append("__hash__")
        return 1


class LoudList(list):
    def __iter__(self):
        CALLS.append("__iter__")
        return iter([])

    def __len__(self):
        CALLS.append("__len__")
        return 0


class Slots:
    __slots__ = ("a", "b")


class SafeTest(unittest.TestCase):
    def setUp(self):
        del CALLS[:]

    def test_sizes_do_not_run_the_programs_sizeof(self):
        class Plain:
            pass

        class PlainList(list):
            pass

        o = Loud()
        self.assertEqual(_safe.self_size(o), sys.getsizeof(Plain()))
        self.assertEqual(_safe.self_size([1, 2, 3]), sys.getsizeof([1, 2, 3]))
        self.assertEqual(_safe.self_size(LoudList([1, 2])), sys.getsizeof(PlainList([1, 2])))
        self.assertEqual(CALLS, [])

    def test_reprs_are_built_from_type_and_id(self):
        o = Loud()
        self.assertRegex(_safe.short_repr(o), r"^<.*Loud object at 0x[0-9a-f]+>$")
        self.assertEqual(_safe.short_repr([1, "a", o]), "[1, 'a', <Loud>]")
        self.assertEqual(_safe.short_repr({"k": o, 2: None}), "{k: <Loud>, [2]: None}")
        self.assertRegex(_safe.short_repr(LoudList([1])), r"^<(__main__|test_agent_units)\.LoudList object at 0x[0-9a-f]+>$")
        self.assertEqual(_safe.key_text((1, "x")), "[(1, 'x')]")
        self.assertEqual(CALLS, [])

    def test_instance_layout_reads_dict_and_slots_through_c_descriptors(self):
        s = Slots()
        s.a = 1
        getter, slots = _safe.instance_layout(Slots)
        self.assertIsNone(getter)
        self.assertEqual(sorted(name for name, _ in slots), ["a", "b"])
        o = Loud()
        object.__setattr__(o, "x", 5)
        del CALLS[:]
        getter, _ = _safe.instance_layout(Loud)
        self.assertEqual(_safe.instance_dict(o, getter), {"x": 5})
        self.assertEqual(CALLS, [])


class IdsTest(unittest.TestCase):
    def test_same_object_same_id_new_object_new_id(self):
        ids = _ids.StableIds()

        class Thing:
            pass

        keep = Thing()
        gone = Thing()
        ids.begin()
        first = (ids.id_of(keep), ids.id_of(gone), ids.id_of("text"), ids.id_of(12345678))
        ids.end()
        addr = id(gone)
        del gone
        again = [Thing() for _ in range(2000)]
        reused = next((t for t in again if id(t) == addr), None)
        ids.begin()
        second = (ids.id_of(keep), ids.id_of("text"), ids.id_of(12345678))
        if reused is not None:
            self.assertNotEqual(ids.id_of(reused), first[1])
        ids.end()
        self.assertEqual(second, (first[0], first[2], first[3]))
        self.assertEqual(len(set(first)), 4)
        self.assertTrue(all(i % 2 == 1 for i in first))


class GarbageTest(unittest.TestCase):
    def test_cycles_and_reduction(self):
        # 0 -> 1 -> 2 -> 0 is a cycle; 3 -> 0 hangs off it; 4 stands alone
        edges = [[(1, "a")], [(2, "b")], [(0, "c")], [(0, "d")], []]
        self.assertEqual(_garbage._cycle_members(5, edges), [True, True, True, False, False])
        self.assertEqual(_garbage._reduce([0, 1, 2, 3, 4], edges), [0, 1, 2])

    def test_collect_restores_flags_and_garbage(self):
        was = gc.isenabled()
        gc.disable()
        try:
            gc.garbage.append("sentinel")
            gc.set_debug(0)

            class Node:
                pass

            a, b = Node(), Node()
            a.other, b.other = b, a
            del a, b
            found = _garbage.collect_garbage(_ids.StableIds(), set())
            self.assertEqual(gc.garbage, ["sentinel"])
            self.assertEqual(gc.get_debug(), 0)
            nodes = [g for g in found["graphs"] if any(c.endswith("<locals>.Node") for c in g["classes"])]
            self.assertEqual(len(nodes), 1)
            self.assertEqual(nodes[0]["cycleObjects"], nodes[0]["objects"])
        finally:
            del gc.garbage[:]
            if was:
                gc.enable()


class DeepSizeTest(unittest.TestCase):
    def test_deep_size_counts_what_is_reached_not_classes(self):
        inner = [1, 2, 3]
        outer = [inner, "abc"]
        self.assertEqual(_threads.deep_size(outer), sys.getsizeof(outer) + sys.getsizeof(inner) + sys.getsizeof("abc") + sum(sys.getsizeof(i) for i in (1, 2, 3)))
        self.assertEqual(_threads.deep_size(7), sys.getsizeof(7))


if __name__ == "__main__":
    unittest.main()
