"""Offline evaluation: question sets, metrics, reports, calibration and the regression gate."""
