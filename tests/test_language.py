"""Tests for transforms.language."""

from __future__ import annotations

import pytest

from transforms.language import detect_language, detect_language_with_context


@pytest.mark.parametrize(
    "text",
    [
        "Please add a dark mode to the app.",
        "It would be great if the export also included my notes.",
        "I don't think this feature is working as it should.",
        "The sync is slow and the battery drains quickly.",
        "Why can't we choose the start page?",
    ],
)
def test_english(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    "text",
    [
        "Il faudrait ajouter un mode sombre.",
        "Ce serait bien de pouvoir exporter les données.",
        "L'application plante depuis la dernière mise à jour.",
        "J'aimerais qu'il y ait plus de cadrans.",
        "Très pratique mais un peu lente.",
    ],
)
def test_french(text: str) -> None:
    assert detect_language(text) == "fr"


@pytest.mark.parametrize("text", ["ok", "OK!", "", "   ", "Super", "Top", "42", "👍👍", "Strava"])
def test_short_or_ambiguous_is_undetermined(text: str) -> None:
    assert detect_language(text) == "und"


def test_other_languages_are_undetermined() -> None:
    assert detect_language("Das ist eine sehr gute Anwendung") == "und"


def test_mixed_evidence_is_undetermined() -> None:
    assert detect_language("Super app, merci") == "und"


def test_curly_apostrophe_elision_counts_as_french() -> None:
    assert detect_language("J’adore l’appli") == "fr"


def test_context_fallback_when_sentence_is_undetermined() -> None:
    context = "Bonjour, je voudrais pouvoir exporter mes données. Merci !"
    assert detect_language_with_context("Merci !", context) == "fr"
    english = "Thanks for the update, it is much better now. Cheers!"
    assert detect_language_with_context("Cheers!", english) == "en"


def test_context_does_not_override_a_clear_sentence() -> None:
    context = "Il faudrait ajouter un mode sombre. Please add a dark mode to the app."
    assert detect_language_with_context("Please add a dark mode to the app.", context) == "en"


def test_context_undetermined_too() -> None:
    assert detect_language_with_context("ok", "ok ok") == "und"
