"""Compiling is linear in the policy's size (issue 26, fault 10: each definition's origin split its
whole file into lines again, so 20,000 rules took 202 s to compile). Time is measured in
benchmarks/compile.py; here, the work: each source file is split into lines once, however many
definitions it holds."""

from __future__ import annotations

from engine.compile import compiler
from engine.language import checker, loader


class CountingSources(dict):
    def __init__(self, *args):
        super().__init__(*args)
        self.reads = 0

    def get(self, key, default=None):
        self.reads += 1
        return super().get(key, default)


def test_compiling_splits_each_source_file_once(write_policy):
    n = 300
    rules = "".join(f'rule R{i} "r{i}":\n  source doc\n  従業員数 ≤ {i}人\n' for i in range(n))
    frame = 'frame F "f":\n  source doc\n  requires ' + ", ".join(f"R{i}" for i in range(n))
    frame += '\n  amount A "a":\n    on 100万円\n    rate 1/2\n    round down\n'
    folder = write_policy('input 申請者:\n  従業員数: 人\n' + rules + frame)
    modules, sources, inside = loader.load(folder)
    checked = checker.check(modules, sources)
    counting = CountingSources(sources)
    policy = compiler.compile_policy(checked, modules, counting, inside)
    assert len(policy.definitions) == n
    assert policy.definitions["R7"].origin.text  # origins still quote their source
    assert counting.reads <= len(sources)
