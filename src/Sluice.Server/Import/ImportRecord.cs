using Sluice.Core.Errors;

namespace Sluice.Server.Import;

/// <summary>One line (or Parquet row) of an import: its bytes as a native JSON event, or why it cannot be one.</summary>
/// <param name="Line">1-based line (or row) number in the file.</param>
internal readonly record struct ImportRecord(long Line, byte[]? Json, FieldError? Error = null);
