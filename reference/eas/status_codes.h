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
inline constexpr int kDeviceIdMissingOrInvalid = 108;
inline constexpr int kDeviceTypeMissingOrInvalid = 109;
inline constexpr int kServerError = 110;
inline constexpr int kServerErrorRetryLater = 111;
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

// FolderSync (MS-ASCMD 2.2.3.177.3).
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

// GetItemEstimate (MS-ASCMD 2.2.3.177.6).
namespace get_item_estimate {
inline constexpr int kSuccess = 1;
inline constexpr int kInvalidCollection = 2;
inline constexpr int kNotPrimed = 3;
inline constexpr int kInvalidSyncKey = 4;
}  // namespace get_item_estimate

// Ping (MS-ASCMD 2.2.3.177.10).
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

// Settings (MS-ASCMD 2.2.3.177.14).
namespace settings {
inline constexpr int kSuccess = 1;
inline constexpr int kProtocolError = 2;
inline constexpr int kAccessDenied = 3;
inline constexpr int kServerUnavailable = 4;
inline constexpr int kInvalidArguments = 5;
inline constexpr int kConflictingArguments = 6;
inline constexpr int kDeniedByPolicy = 7;
}  // namespace settings

}  // namespace eas::status

#endif  // EAS_REFERENCE_EAS_STATUS_CODES_H_
