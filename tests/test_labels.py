"""Idea labels: the key phrase of a suggestion, without its request wording."""

from __future__ import annotations

import pytest

from transforms.labels import idea_label


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Please add a dark mode to the web app.", "Dark mode to the web app"),
        ("Yes please, add a week view to the calendar.", "Week view to the calendar"),
        (
            "It would be great to have a version history for each note, so I could roll back.",
            "Version history for each note",
        ),
        ("You should really ship a desktop app for Linux.", "Desktop app for Linux"),
        ("Add an option to hide completed tasks.", "Option to hide completed tasks"),
        (
            "Please let us keep notebooks available offline on Android, like on iOS.",
            "Keep notebooks available offline on Android",
        ),
        ("Allow me to export a whole notebook.", "Export a whole notebook"),
        (
            "J'aimerais pouvoir exporter mes notes en Markdown, tout simplement.",
            "Exporter mes notes en Markdown",
        ),
        (
            "Ce serait idéal d’avoir une application de bureau pour Linux : je n’utilise que ça.",
            "Application de bureau pour Linux",
        ),
        (
            "Pourriez-vous ajouter un mode hors ligne à l’application Android ?",
            "Mode hors ligne à l’application Android",
        ),
    ],
)
def test_the_request_wording_is_cut(text, label):
    assert idea_label(text) == label


def test_long_labels_are_cut_to_a_few_words():
    label = idea_label("Please add " + " ".join(f"word{n}" for n in range(20)) + ".")
    assert label.endswith("…") and len(label.split()) == 8


def test_a_text_that_is_only_a_cue_keeps_its_words():
    assert idea_label("Please add it!") == "Please add it"
