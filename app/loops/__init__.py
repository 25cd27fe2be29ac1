"""Loop planning: sessions, coverage, candidate-friendly checks, the prompt debrief."""
