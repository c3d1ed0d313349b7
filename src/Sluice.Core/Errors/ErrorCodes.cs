namespace Sluice.Core.Errors;

/// <summary>The stable, machine-readable error codes of the API (docs/api.md lists each with its status).</summary>
public static class ErrorCodes
{
    public const string MalformedJson = "malformed_json";
    public const string InvalidType = "invalid_type";
    public const string InvalidValue = "invalid_value";
    public const string MissingField = "missing_field";
    public const string FieldTooLong = "field_too_long";
    public const string TooDeep = "too_deep";
    public const string TooManyAttributes = "too_many_attributes";
    public const string EventTooLarge = "event_too_large";
    public const string InvalidUtf8 = "invalid_utf8";
    public const string ExpectedObject = "expected_object";
    public const string EmptyBatch = "empty_batch";
    public const string AllEventsRejected = "all_events_rejected";
    public const string TooManyEvents = "too_many_events";
    public const string BodyTooLarge = "body_too_large";
    public const string MalformedBody = "malformed_body";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string UnsupportedEncoding = "unsupported_encoding";
    public const string InvalidParameter = "invalid_parameter";
    public const string UnknownParameter = "unknown_parameter";
    public const string InvalidCursor = "invalid_cursor";
    public const string CursorExpired = "cursor_expired";
    public const string NotFound = "not_found";
    public const string ForceRequired = "force_required";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string Recovering = "recovering";
    public const string StorageUnavailable = "storage_unavailable";
    public const string StorageBehind = "storage_behind";
    public const string StorageFull = "storage_full";
    public const string MemoryFull = "memory_full";
    public const string QuotaExceeded = "quota_exceeded";
    public const string RetryInFlight = "retry_in_flight";
    public const string InvalidQuery = "invalid_query";
    public const string InvalidSql = "invalid_sql";
    public const string ForbiddenSql = "forbidden_sql";
    public const string InvalidFormula = "invalid_formula";
    public const string QueryTimeout = "query_timeout";
    public const string QueryMemory = "query_memory";
    public const string TooManyQueries = "too_many_queries";
    public const string QueryUnavailable = "query_unavailable";
    public const string TooManySubscribers = "too_many_subscribers";
    public const string NotWebSocket = "not_websocket";
    public const string CrossOrigin = "cross_origin";
    public const string MissingApiKey = "missing_api_key";
    public const string InvalidApiKey = "invalid_api_key";
    public const string InsufficientScope = "insufficient_scope";
    public const string LoopbackOnly = "loopback_only";
    public const string ValueTooLarge = "value_too_large";
    public const string KvFull = "kv_full";
    public const string TooManyKeys = "too_many_keys";
    public const string ReservedKey = "reserved_key";
    public const string RedisUnavailable = "redis_unavailable";
    public const string ClickHouseNotConfigured = "clickhouse_not_configured";
    public const string OtherUnavailable = "other_unavailable";
    public const string ChaosDisabled = "chaos_disabled";
    public const string Internal = "internal_error";

    // Runtime settings (docs/api.md, "Configuration").
    public const string UnknownSetting = "unknown_setting";
    public const string InvalidSetting = "invalid_setting";
    public const string SettingNotReloadable = "setting_not_reloadable";
    public const string VersionConflict = "version_conflict";
    public const string SettingsUnavailable = "settings_unavailable";
    public const string UnknownVersion = "unknown_version";
    public const string FeatureDisabled = "feature_disabled";

    /// <summary>An export job's file was asked for before the job is done.</summary>
    public const string ExportNotReady = "export_not_ready";

    /// <summary>As many export jobs are running as <c>Export:MaxConcurrentJobs</c> allows.</summary>
    public const string TooManyExports = "too_many_exports";

    /// <summary>Export jobs' files hold <c>Export:MaxJobsMb</c> on disk.</summary>
    public const string ExportSpaceFull = "export_space_full";
}
