from sqlalchemy import Column, Integer, MetaData, String, Table

metadata = MetaData(schema="app")

notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(100), nullable=False),
)
