"""Measuring the answer path: SQuAD factoids (`squad`), broad questions with key facts
(`broad`), the measures they share (`metrics`), and `qa eval`'s entry point (`run`)."""
