"""The inbox: what is broken right now in every configured profile, in one list (no Textual here)."""
