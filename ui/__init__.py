"""Streamlit web app: thin pages over optimiser.service."""
