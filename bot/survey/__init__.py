"""The information-needs survey: typed answers, responses kept without names, results,
the scheduled invitation, the XLSX export."""
