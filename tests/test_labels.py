"""Idea labels: the key phrase of a suggestion, without its request wording."""

from __future__ import annotations

import pytest

from transforms.labels import (
    label_of,
    points_back,
    request_core,
    request_focus_text,
)


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
        ("Please display the battery level.", "Battery level"),  # like the rules' verbs
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
        # Praise at the end of the sentence is request wording too.
        ("A dark mode for the web version would be lovely.", "Dark mode for the web version"),
        ("Une offre étudiante à prix réduit serait la bienvenue.", "Offre étudiante à prix réduit"),
        # Cues without a subject, enumerators, gerunds, and more request phrasings.
        ("Would be awesome if I could just sketch in a note.", "Sketch in a note"),
        ("Second, it'd be cool to have a library of templates.", "Library of templates"),
        ("Consider adding text recognition for images, please.", "Text recognition for images"),
        ("Please make it possible to share a notebook read-only.", "Share a notebook read-only"),
        ("What would make it perfect is a widget for quick notes.", "Widget for quick notes"),
        ("Est-ce qu’il serait possible de trier par titre ?", "Trier par titre"),
        ("Vous devriez proposer un thème sombre.", "Thème sombre"),
        ("I'd like my notes encrypted on my own devices.", "My notes encrypted on my own devices"),
        ("J’aimerais vraiment un chiffrement de bout en bout.", "Chiffrement de bout en bout"),
        # A short lead-in before the request wording is not the idea.
        (
            "Pour l'accessibilité, il faudrait pouvoir agrandir le texte des notes.",
            "Agrandir le texte des notes",
        ),
        ("On mobile, please add a bigger font.", "Bigger font"),
        ("Dark mode, please.", "Dark mode"),
        # A suggestion with the sentence it refers back to: the label ends with that sentence.
        (
            "Toujours pas de correcteur en français… Pourriez-vous l'ajouter ?",
            "Toujours pas de correcteur en français",
        ),
        ("Why no Linux app? Please consider it.", "Why no Linux app"),
        # an opening that only announces the request
        ("Small one, but I'd love a word count for each note.", "Word count for each note"),
        ("Tip for the team: a progress bar on checklists.", "Progress bar on checklists"),
        (
            "Petite suggestion : une vue semaine en plus de la vue mois.",
            "Vue semaine en plus de la vue mois",
        ),
        (
            "Pour moi, le chiffrement de bout en bout est essentiel.",
            "Chiffrement de bout en bout est essentiel",
        ),
        (
            "Next step: search inside scanned PDFs and photos, please.",
            "Search inside scanned PDFs and photos",
        ),
        (
            "Oui, des tâches qui se répètent toutes les semaines, s'il vous plaît.",
            "Tâches qui se répètent toutes les semaines",
        ),
    ],
)
def test_the_request_wording_is_cut(text, label):
    assert label_of(text)[0] == label


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # The request after the sentence it refers back to names it better than that one.
        (
            "Is there a public API I've missed? If not, feature request: a REST API with "
            "personal access tokens, plus webhooks.",
            "REST API with personal access tokens",
        ),
        # A longer lead-in before request wording, praise before "but", "I wish there was",
        # a closing "please".
        (
            "Avec toutes les fuites de données dont on entend parler, j’aimerais un chiffrement "
            "de bout en bout.",
            "Chiffrement de bout en bout",
        ),
        (
            "The clipper is great, but what goes in must be able to come out.",
            "What goes in must be able to come…",
        ),
        ("Super appli, mais il manque une vue semaine.", "Vue semaine"),
        ("I wish there was end-to-end encryption.", "End-to-end encryption"),
        ("Nested tags, please!", "Nested tags"),
        ("Une vue semaine svp", "Vue semaine"),
    ],
)
def test_labels_find_the_request_inside_the_sentence(text, label):
    assert label_of(text)[0] == label


@pytest.mark.parametrize(
    ("text", "names_request"),
    [
        ("Please add an outline view.", True),
        ("Nested tags, please!", True),
        ("Please add " + " ".join(f"word{n}" for n in range(20)) + ".", False),  # cut short
        ("The app has no outline view.", False),  # no request wording was cut
        ("Could you add it to the Windows app too?", False),  # points back
        ("Please add it!", False),  # nothing left but the cue
        ("Is there a public API? If not, please add a REST API.", True),
    ],
)
def test_a_label_names_the_request_when_it_is_whole_and_stands_alone(text, names_request):
    assert label_of(text)[1] is names_request


def test_long_labels_are_cut_to_a_few_words():
    label = label_of("Please add " + " ".join(f"word{n}" for n in range(20)) + ".")[0]
    assert label.endswith("…") and len(label.split()) == 8


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # A long label ends before the last phrase that fits, without "…".
        (
            "Est-ce qu’il serait possible de rechercher le texte dans les images et les PDF "
            "joints ?",
            "Rechercher le texte dans les images",
        ),
        (
            "Please add a home screen widget on Android with a single New note button.",
            "Home screen widget on Android",
        ),
        (
            "Please let me give edit rights to specific people on a shared notebook.",
            "Give edit rights to specific people",
        ),
        # ... but not after a word that needs what follows ("you", "a", "able")
        (
            "Please add a gallery where you and the community can share templates.",
            "Gallery where you and the community can share…",
        ),
    ],
)
def test_long_labels_end_where_a_phrase_does(text, label):
    # They were cut all the same: a whole label is preferred to them as an idea's label.
    assert label_of(text) == (label, False)


def test_a_text_that_is_only_a_cue_keeps_its_words():
    assert label_of("Please add it!")[0] == "Please add it"


def test_a_sentence_that_is_only_praise_keeps_its_words():
    assert label_of("This would be great.")[0] == "This would be great"


# --- request focus: what a suggestion asks for, for grouping ------------------------------


@pytest.mark.parametrize(
    ("sentence", "core"),
    [
        ("Could you please add a dark mode to the web app?", "dark mode to the web app?"),
        ("A dark mode would be lovely.", "dark mode"),
        (
            "Serait-il possible d'activer la validation en deux étapes ?",
            "activer la validation en deux étapes ?",
        ),
        ("Pour l'accessibilité, il faudrait pouvoir agrandir le texte.", "agrandir le texte."),
        ("Ce serait génial d'avoir une vue semaine.", "vue semaine."),
    ],
)
def test_the_request_core_drops_how_a_suggestion_asks(sentence, core):
    assert request_core(sentence) == core


@pytest.mark.parametrize(
    "sentence",
    [
        "The app crashes on start.",  # no request wording: not even the article goes
        "Please add it!",  # nothing would be left
        "Missing   a week view.",  # implicit request: kept whole (whitespace normalised)
    ],
)
def test_a_sentence_without_request_wording_or_content_is_its_own_core(sentence):
    assert request_core(sentence) == " ".join(sentence.split())


def test_request_focus_strips_each_sentence_of_a_suggestion_with_context():
    text = "Why is there no spell check in French? Could you add it to the Windows app?"
    assert request_focus_text(text) == (
        "Why is there no spell check in French? it to the Windows app?"
    )


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("S'ils étaient transcrits automatiquement en texte", True),
        ("It should sync too", True),
        ("Ils devraient être synchronisés", True),
        ("Italic text in titles", False),
        ("Theme for the web app", False),
        ("Transcription automatique des notes vocales", False),
        ("Kestrel transcribed them automatically and put the text…", True),
        ("Themes for the editor", False),
    ],
)
def test_a_label_that_opens_with_a_pronoun_points_back(label, expected):
    assert points_back(label) is expected
