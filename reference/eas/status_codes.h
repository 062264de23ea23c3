// EAS status codes as named constants, by the command or scope that defines
// them. Values are the specifications'; names follow their wording.
#ifndef EAS_REFERENCE_EAS_STATUS_CODES_H_
#define EAS_REFERENCE_EAS_STATUS_CODES_H_

namespace eas::status {

// Common status codes, any command, protocol 14.0 and later
// (MS-ASCMD 2.2.2 "Common Status Codes").
namespace common {
inline constexpr int kInvalidContent = 101;
inline constexpr int kInvalidWbxml = 102;
inline constexpr int kInvalidXml = 103;
inline constexpr int kInvalidDateTime = 104;
inline constexpr int kInvalidCombinationOfIds = 105;
inline constexpr int kInvalidIds = 106;
inline constexpr int kInvalidMime = 107;
inline constexpr int kDeviceIdMissingOrInvalid = 108;
inline constexpr int kDeviceTypeMissingOrInvalid = 109;
inline constexpr int kServerError = 110;
inline constexpr int kServerErrorRetryLater = 111;
inline constexpr int kMailboxQuotaExceeded = 113;
inline constexpr int kSendQuotaExceeded = 115;
inline constexpr int kMessageRecipientUnresolved = 116;
inline constexpr int kMessageReplyNotAllowed = 117;
inline constexpr int kMessagePreviouslySent = 118;
inline constexpr int kMessageHasNoRecipient = 119;
inline constexpr int kMailSubmissionFailed = 120;
inline constexpr int kMessageReplyFailed = 121;
inline constexpr int kAttachmentIsTooLarge = 122;
inline constexpr int kUserDisabledForSync = 126;
inline constexpr int kDeviceIsBlockedForThisUser = 129;
inline constexpr int kAccessDenied = 130;
inline constexpr int kCommandNotSupported = 137;
inline constexpr int kVersionNotSupported = 138;
inline constexpr int kDeviceNotFullyProvisionable = 139;
inline constexpr int kRemoteWipeRequested = 140;
inline constexpr int kLegacyDeviceOnStrictPolicy = 141;
inline constexpr int kDeviceNotProvisioned = 142;
inline constexpr int kPolicyRefresh = 143;
inline constexpr int kInvalidPolicyKey = 144;
inline constexpr int kExternallyManagedDevicesNotAllowed = 145;
inline constexpr int kItemNotFound = 150;
}  // namespace common

// Provision (MS-ASPROV 2.2.2.54).
namespace provision {
inline constexpr int kSuccess = 1;
inline constexpr int kProtocolError = 2;
inline constexpr int kGeneralServerError = 3;
inline constexpr int kDeviceExternallyManaged = 4;
// Policy element status (MS-ASPROV 2.2.2.54.2).
inline constexpr int kPolicySuccess = 1;
inline constexpr int kPolicyNotDefined = 2;
inline constexpr int kPolicyTypeUnknown = 3;
inline constexpr int kPolicyDataCorrupt = 4;
inline constexpr int kPolicyKeyMismatch = 5;
// What a device reports in its acknowledgement (MS-ASPROV 2.2.2.53.2).
inline constexpr int kClientApplied = 1;
inline constexpr int kClientPartiallyApplied = 2;
inline constexpr int kClientNotApplied = 3;
inline constexpr int kClientExternallyManaged = 4;
}  // namespace provision

// FolderSync (MS-ASCMD 2.2.3.177.5).
namespace folder_sync {
inline constexpr int kSuccess = 1;
inline constexpr int kServerError = 6;
inline constexpr int kInvalidSyncKey = 9;
inline constexpr int kIncorrectlyFormattedRequest = 10;
inline constexpr int kUnknownError = 11;
inline constexpr int kCodeUnknown = 12;
}  // namespace folder_sync

// Sync (MS-ASCMD 2.2.3.177.17).
namespace sync {
inline constexpr int kSuccess = 1;
inline constexpr int kInvalidSyncKey = 3;
inline constexpr int kProtocolError = 4;
inline constexpr int kServerError = 5;
inline constexpr int kConversionError = 6;
inline constexpr int kConflict = 7;
inline constexpr int kObjectNotFound = 8;
inline constexpr int kCannotComplete = 9;
inline constexpr int kFolderHierarchyChanged = 12;
inline constexpr int kIncompleteRequest = 13;
inline constexpr int kInvalidWaitOrHeartbeat = 14;
inline constexpr int kInvalidCommand = 15;
inline constexpr int kRetry = 16;
}  // namespace sync

// GetItemEstimate (MS-ASCMD 2.2.3.177.7).
namespace get_item_estimate {
inline constexpr int kSuccess = 1;
inline constexpr int kInvalidCollection = 2;
inline constexpr int kNotPrimed = 3;
inline constexpr int kInvalidSyncKey = 4;
}  // namespace get_item_estimate

// Ping (MS-ASCMD 2.2.3.177.11).
namespace ping {
inline constexpr int kExpired = 1;
inline constexpr int kChanges = 2;
inline constexpr int kMissingParameters = 3;
inline constexpr int kSyntaxError = 4;
inline constexpr int kInvalidHeartbeat = 5;
inline constexpr int kTooManyFolders = 6;
inline constexpr int kHierarchySyncRequired = 7;
inline constexpr int kServerError = 8;
}  // namespace ping

// Settings (MS-ASCMD 2.2.3.177.15).
namespace settings {
inline constexpr int kSuccess = 1;
inline constexpr int kProtocolError = 2;
inline constexpr int kAccessDenied = 3;
inline constexpr int kServerUnavailable = 4;
inline constexpr int kInvalidArguments = 5;
inline constexpr int kConflictingArguments = 6;
inline constexpr int kDeniedByPolicy = 7;
}  // namespace settings

// FolderCreate, FolderDelete, FolderUpdate (MS-ASCMD 2.2.3.177.3, 177.4, 177.6).
namespace folder {
inline constexpr int kSuccess = 1;
inline constexpr int kAlreadyExists = 2;
inline constexpr int kSpecialFolder = 3;
inline constexpr int kDoesNotExist = 4;
inline constexpr int kParentNotFound = 5;
inline constexpr int kServerError = 6;
inline constexpr int kInvalidSyncKey = 9;
inline constexpr int kMalformedRequest = 10;
inline constexpr int kUnknownError = 11;
}  // namespace folder

// MoveItems (MS-ASCMD 2.2.3.177.10).
namespace move_items {
inline constexpr int kInvalidSourceId = 1;
inline constexpr int kInvalidDestinationId = 2;
inline constexpr int kSuccess = 3;
inline constexpr int kSameSourceAndDestination = 4;
inline constexpr int kCannotMove = 5;
inline constexpr int kLocked = 7;
}  // namespace move_items

// ItemOperations (MS-ASCMD 2.2.3.177.8).
namespace item_operations {
inline constexpr int kSuccess = 1;
inline constexpr int kProtocolError = 2;
inline constexpr int kServerError = 3;
inline constexpr int kDocumentLibraryBadUri = 4;
inline constexpr int kDocumentLibraryAccessDenied = 5;
inline constexpr int kObjectNotFound = 6;
inline constexpr int kDocumentLibraryConnectionFailed = 7;
inline constexpr int kInvalidByteRange = 8;
inline constexpr int kUnknownStore = 9;
inline constexpr int kEmptyFile = 10;
inline constexpr int kDataTooLarge = 11;
inline constexpr int kIoFailure = 12;
inline constexpr int kConversionFailure = 14;
inline constexpr int kInvalidAttachment = 15;
inline constexpr int kResourceAccessDenied = 16;
inline constexpr int kPartialSuccess = 17;
inline constexpr int kCredentialsRequired = 18;
}  // namespace item_operations

// MeetingResponse (MS-ASCMD 2.2.3.177.9).
namespace meeting_response {
inline constexpr int kSuccess = 1;
inline constexpr int kInvalidMeetingRequest = 2;
inline constexpr int kMailboxError = 3;
inline constexpr int kServerError = 4;
}  // namespace meeting_response

// Search (MS-ASCMD 2.2.3.177.13).
namespace search {
inline constexpr int kSuccess = 1;
inline constexpr int kInvalidRequest = 2;
inline constexpr int kServerError = 3;
inline constexpr int kBadLink = 4;
inline constexpr int kAccessDenied = 5;
inline constexpr int kNotFound = 6;
inline constexpr int kConnectionFailed = 7;
inline constexpr int kTooComplex = 8;
inline constexpr int kTimedOut = 10;
inline constexpr int kFolderSyncRequired = 11;
inline constexpr int kEndOfRetrievableRange = 12;
inline constexpr int kAccessBlocked = 13;
inline constexpr int kCredentialsRequired = 14;
}  // namespace search

// Find (MS-ASCMD 2.2.3.177.2), of Find and of Response.
namespace find {
inline constexpr int kSuccess = 1;
inline constexpr int kInvalidRequest = 2;
inline constexpr int kFolderSyncRequired = 3;  // of Find
inline constexpr int kStartWithRangeZero = 4;  // of Response
}  // namespace find

// ResolveRecipients (MS-ASCMD 2.2.3.177.12).
namespace resolve_recipients {
inline constexpr int kSuccess = 1;
inline constexpr int kProtocolError = 5;
inline constexpr int kServerError = 6;
// Per Response.
inline constexpr int kAmbiguous = 2;         // every match listed
inline constexpr int kAmbiguousPartial = 3;  // more matches than listed
inline constexpr int kUnresolved = 4;
// Certificates.
inline constexpr int kNoValidCertificate = 7;
inline constexpr int kCertificateLimitReached = 8;
// Availability (14.0+).
inline constexpr int kAvailabilityTooManyRecipients = 160;
inline constexpr int kAvailabilityDistributionListTooLarge = 161;
inline constexpr int kAvailabilityTemporaryFailure = 162;
inline constexpr int kAvailabilityNoPermission = 163;
}  // namespace resolve_recipients

// ValidateCert (MS-ASCMD 2.2.3.177.18).
namespace validate_cert {
inline constexpr int kSuccess = 1;
inline constexpr int kProtocolError = 2;
inline constexpr int kSignatureNotValidated = 3;
inline constexpr int kUntrustedSource = 4;
inline constexpr int kChainNotCreated = 5;
inline constexpr int kNotValidForSigning = 6;
inline constexpr int kExpired = 7;
inline constexpr int kInvalidTimePeriods = 8;
inline constexpr int kUsedIncorrectly = 9;
inline constexpr int kMissingInformation = 10;
inline constexpr int kUsedIncorrectlyInChain = 11;
inline constexpr int kAddressMismatch = 12;
inline constexpr int kRevoked = 13;
inline constexpr int kRevocationServerUnavailable = 14;
inline constexpr int kChainCertificateRevoked = 15;
inline constexpr int kRevocationStatusUnknown = 16;
inline constexpr int kUnknownError = 17;
}  // namespace validate_cert

}  // namespace eas::status

#endif  // EAS_REFERENCE_EAS_STATUS_CODES_H_
