package report

// HTMLFile is the name of the interactive report written beside REPORT.md.
const HTMLFile = "report.html"
