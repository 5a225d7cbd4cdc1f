"""The deviations table: every row says what the report did, what we did, why, and the effect."""

from mnist_helpers.claims.deviations import DEVIATIONS, deviations_table


def test_every_deviation_is_complete_and_names_where_its_effect_is_measured_or_why_it_is_expected():
    for d in DEVIATIONS:
        assert d.report in ("Dutta", "Shah") and all(vars(d).values()), d
        assert d.effect.startswith(("measured", "expected", "makes", "a second view", "best-of-60")), d.effect


def test_the_table_has_one_row_per_deviation_and_readers_column_names():
    table = deviations_table()
    assert len(table) == len(DEVIATIONS)
    assert list(table.columns) == ["the report", "ours", "why", "effect"]
    assert table.index.names == ["report", "what"]
