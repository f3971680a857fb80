"""Ship and tell: the changelog, pitch one-pagers, launch plans, champions, the marketing
calendar, the public dashboard, ROI and the weekly and monthly reports."""
