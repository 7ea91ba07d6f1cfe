from notes.tables import notes


def test_notes_table_is_in_the_app_schema():
    assert notes.fullname == "app.notes"
