"""Choosing a meeting time from yes / if need be / no answers."""

from taawun.tally import meeting_time

SLOTS = ["Mon 18:00", "Tue 12:00", "Wed 18:00"]


def test_the_slot_most_people_can_make_wins():
    result = meeting_time(
        SLOTS,
        [
            {"Mon 18:00": "yes", "Tue 12:00": "if_need_be"},
            {"Tue 12:00": "yes", "Wed 18:00": "yes"},
            {"Tue 12:00": "if_need_be", "Mon 18:00": "no"},
        ],
    )
    assert result.winners == ["Tue 12:00"]
    assert result.answers["Tue 12:00"] == {"yes": 1, "if_need_be": 2, "no": 0}
    assert result.answers["Wed 18:00"] == {"yes": 1, "if_need_be": 0, "no": 2}


def test_more_plain_yes_answers_break_a_tie_in_availability():
    result = meeting_time(SLOTS, [{"Mon 18:00": "yes", "Tue 12:00": "if_need_be"}])
    assert result.ranking[:2] == ["Mon 18:00", "Tue 12:00"]


def test_slots_still_level_are_ordered_by_a_recorded_lot():
    result = meeting_time(SLOTS, [{"Mon 18:00": "yes", "Tue 12:00": "yes"}], seed="s")
    assert set(result.ranking[:2]) == {"Mon 18:00", "Tue 12:00"}
    assert result.tie_breaks and result.tie_breaks[0].rule == "lot"


def test_no_answers_means_no_meeting_time():
    assert meeting_time(SLOTS, []).winners == []
