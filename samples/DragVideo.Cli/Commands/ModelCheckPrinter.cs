using System.Globalization;
using DragVideo.Diffusion.Loading;

namespace DragVideo.Cli.Commands;

/// <summary>Formats a <see cref="ModelCheckReport"/> as plain text for <c>models check</c>.</summary>
internal static class ModelCheckPrinter
{
    public static void Print(ModelCheckReport report, TextWriter output, int maxKeys)
    {
        string kind = report.Kind switch
        {
            ModelSourceKind.DiffusersFolder => "diffusers pipeline folder",
            ModelSourceKind.ComponentFolder => "component folder",
            ModelSourceKind.SingleFile => "file",
            _ => "unreadable",
        };
        output.WriteLine($"{report.Path}  ({kind})");
        foreach (var c in report.Components)
        {
            string status = c.Ok ? "OK  " : "FAIL";
            string dtype = c.StoredDTypes.Length == 0 ? "" : $"  stored {c.StoredDTypes} -> {c.ModuleDType}";
            string count = c.ParameterCount > 0 ? "  " + c.ParameterCount.ToString("N0", CultureInfo.InvariantCulture) + " parameters" : "";
            output.WriteLine($"  {c.Component,-15} {status}{dtype}{count}");
            output.WriteLine($"      source: {c.Source}");
            foreach (var n in c.Notes) output.WriteLine($"      note: {n}");
            if (c.Error is not null) output.WriteLine($"      error: {c.Error}");
            List(output, "missing", c.Missing, maxKeys);
            List(output, "unexpected", c.Unexpected, maxKeys);
            List(output, "mis-shaped", c.Mismatched, maxKeys);
        }
    }

    private static void List(TextWriter output, string title, IReadOnlyList<string> keys, int max)
    {
        if (keys.Count == 0) return;
        output.WriteLine($"      {title} ({keys.Count}):");
        foreach (var k in keys.Take(Math.Max(1, max))) output.WriteLine($"        {k}");
        if (keys.Count > max) output.WriteLine($"        … {keys.Count - max} more");
    }
}
