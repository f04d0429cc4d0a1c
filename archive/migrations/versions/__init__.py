"""One file per schema change, numbered: 0001_first_schema.py, 0002_…"""
