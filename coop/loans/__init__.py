"""Loan products, applications, disbursement, repayment, delinquency, provisions."""
