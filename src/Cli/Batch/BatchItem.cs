namespace Nic.Cli.Batch;

/// <summary>One input of a batch and where its output goes.</summary>
/// <param name="RelativePath">The input's path under the batch's root, with '/' separators: what the shard split hashes and the report names.</param>
/// <param name="InputPath">The input file's full path.</param>
/// <param name="OutputRelativePath">The output's path under the output folder, '/' separators.</param>
/// <param name="Model">The item's own model or family (manifest), or null for the command's.</param>
/// <param name="Quality">The item's own rate point (manifest), or null for the command's.</param>
internal sealed record BatchItem(string RelativePath, string InputPath, string OutputRelativePath, string? Model = null, double? Quality = null, int? RatePoint = null);
