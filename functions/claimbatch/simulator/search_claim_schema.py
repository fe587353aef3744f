"""The GraphQL schema the simulator holds requests to: every type and field of
the SearchClaim example in the payer's published Claim Inquiry API description
(type names as its components name them), and nothing else. A document that
asks for anything else, or names an argument otherwise, fails validation as it
does at the real gateway (400 GRAPHQL_VALIDATION_FAILED).
"""

from __future__ import annotations

from functools import cache

from graphql import GraphQLSchema, build_schema

SEARCH_CLAIM_SDL = """
type Query {
  searchClaim(searchClaimInput: SearchClaimInput!): ClaimSearchResponse
}
input SearchClaimInput {
  claimNumber: String patientAccountNumber: String memberId: String memberFirstName: String
  memberLastName: String memberDateOfBirth: String memberPolicy: String serviceStartDate: String
  serviceEndDate: String payerId: String!
}
type ClaimSearchResponse {
  claims: [Claims] pagination: Pagination
}
type Claims {
  claimNumber: String claimReceiptLocatorNumber: String claimInventoryControlNumber: String
  claimStatus: String isMedicarePendProcess: Boolean hasClaimDetails: Boolean member: Member
  provider: Provider claimEvents: ClaimEvents claimLevelInfo: ClaimLevelInformation
  claimLevelTotalAmount: ClaimLevelTotalAmount payments: [ClaimPaymentInfo]
  claimStatusCrosswalkData: [ClaimStatusCrosswalkData] claimAdjudicationCodes: [AdjudicationCodeType]
  documents: [Documents] claimDetailedInformation: ClaimDetailedInformation
}
type Member {
  subscriberId: String policyNumber: String firstName: String lastName: String middleInitial: String
  dateOfBirth: String relationshipCode: String dependentSequenceNumber: String memberId: String
}
type Provider {
  submitted: SubmittedProviderInfo adjudicated: AdjudicatedProviderInfo
}
type SubmittedProviderInfo {
  billingTin: String billingProviderName: String billingNpi: String renderingProviderName: String
}
type AdjudicatedProviderInfo {
  billingTinPrefix: String billingTin: String billingTinSuffix: String billingProviderName: String
  billingNpi: String billingProviderMpin: String renderingProviderName: String
  renderingProviderMpin: String
}
type ClaimEvents {
  receivedDate: String processedDate: String processedTime: String serviceStartDate: String
  serviceEndDate: String statusEffectiveDate: String
}
type ClaimLevelInformation {
  patientAccountNumber: String claimType: String providerNetworkStatus: String claimFlagTag: String
  surpriseMedicalBillingIndicator: String surpriseMedicalBillingState: String
}
type ClaimLevelTotalAmount {
  totalBilledChargeAmount: String totalProviderWriteOffAmount: String totalPatientNotCoveredAmount: String
  totalProviderNotCoveredAmount: String totalAllowedAmount: String totaldeductibleAmount: String
  totalCopayAmount: String totalCoinsAmount: String totalPaidAmount: String
  totalPatientResponsibilityAmount: String
}
type ClaimPaymentInfo {
  paymentNumber: String adjudicatedClaimPaymentNumber: String adjudicatedClaimPaymentAmount: String
  checkSeriesDesignator: String paymentModeCode: String paymentAmount: String paymentIssueDate: String
  claimPayeeAssignmentCode: String payeeName: String payeeAddress: PayeeAddressType
}
type PayeeAddressType {
  addressLine: String cityName: String state: String zip: String
}
type ClaimStatusCrosswalkData {
  claim507Code: String claim507CodeDesc: String claim508Code: String claim508CodeDesc: String
  adjudicatedClaimSuffixCode: String adjudicatedClaimPaymentNumber: String
}
type AdjudicationCodeType {
  claimCodeType: String code: String description: String
}
type Documents {
  documentType: String documentCreatedDate: String documentReceivedDate: String documentName: String
  documentId: String
}
type ClaimDetailedInformation {
  claimNumber: String adjudicatedClaimSummaryStatus: String claimActionIdentifier: String
  allowedActions: String payerId: String coordinationOfBenefits: CobInfoType
  diagnosisCodes: [DiagnosisCodeType] claimDetailEvents: ClaimDetailEvent
  claimLevelIndicators: ClaimLevelIndicators patientInfo: PatientInfo claimLineActions: [ClaimLineActions]
  lines: [ClaimLineType]
}
type CobInfoType {
  cobPayerId: String claimOIPaidAmount: String otherInsuredName: String submittedCobIndicator: String
  cobPayerType: String cobDesc: String cobPolicyDesc: String cobPaymentType: String
  adjudicatedCobIndicator: String cobMedicalCalcType: String cobCommercialCalcType: String
}
type DiagnosisCodeType {
  diagnosisSequenceNumber: String diagnosisCode: String diagnosisCodeType: String
}
type ClaimDetailEvent {
  receivedDate: String initialDecisionDate: String lastDenialDate: String
}
type ClaimLevelIndicators {
  claimReprocessedIndicator: String paymentToEnrolleeCode: String isCapitationIndicator: Boolean
  electronicPayerID: String placeOfService: String payerType: String
}
type PatientInfo {
  patientName: String patientGroupNumber: String patientSubscriberNumber: String
  patientRelationship: String
}
type ClaimLineActions {
  ticketType: String allowedAction: String actionMessage: String allowedReconReasons: [String]
  allowedReconsiderationReasons: [AllowedReconsiderationReason] requiredConsentForm: String note: String
  documentLink: String ticketDetails: [TicketDetails]
}
type AllowedReconsiderationReason {
  isAttachmentRequired: String requestReason: String requestReasonDesc: String requestReasonMsg: String
}
type TicketDetails {
  ticketNumber: String ticketSubmitDate: String ticketStatus: String ticketOutcome: String
  ticketReason: String isClosed: Boolean lastUpdatedDate: String lastComment: String ticketType: String
}
type ClaimLineType {
  lineKey: String lineNumber: String unitCount: String serviceCode: String revenueCode: String
  linePaymentServiceCode: String procedureCode: String procedureTypeCode: String modifiers: [String]
  diagnosisPointers: [String] lineEvents: LineEvents lineLevelTotalAmounts: LineLevelTotalAmounts
  lineIndicators: LineIndicators lineAdjudicationCodes: [LineAdjudicationCodeTypes]
}
type LineEvents {
  processedDate: String processedTime: String serviceStartDate: String serviceEndDate: String
}
type LineLevelTotalAmounts {
  billedChargeAmount: String notCoveredAmount: String providerNotCoveredAmount: String
  patientNotCoveredAmount: String providerWriteOffAmount: String allowedAmount: String
  deductibleAmount: String copayAmount: String coinsuranceAmount: String paidAmount: String
  memberResponsiblityAmount: String medicarePaidAmount: String reserveAmount: String
  qualifiedPaymentAmount: String
}
type LineIndicators {
  inventoryControlNumberSuffix: String inventoryControlNumberSuffixVersion: String
  providerNetworkStatus: String transactionCode: String causeCode: String overrideCode: String
  planCoveragePercent: String capitationIndicator: String capFundType: String
  lineLevelPlaceOfService: String surpriseMedicalBillingIndicator: String
  surpriseMedicalBillingState: String providerGroupOfferPercentage: String
}
type LineAdjudicationCodeTypes {
  type: String code: String description: String
}
type Pagination {
  hasMoreRecords: Boolean nextPageToken: String
}
"""


@cache
def search_claim_schema() -> GraphQLSchema:
    return build_schema(SEARCH_CLAIM_SDL)
