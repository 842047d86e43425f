using System.CommandLine;
using DragVideo.Editing.Fast;

namespace DragVideo.Cli.Commands;

/// <summary>The <c>--deform stretch|move</c> option of <c>edit</c> and <c>demo</c> (fast backend deformation mode).</summary>
internal static class DeformOption
{
    /// <summary>Creates the option (default "stretch").</summary>
    public static Option<string> Create() => new("--deform")
    {
        Description = "Fast backend: 'stretch' (warp the mask's content, default) or 'move' (move the object as a body and fill what it uncovers from other frames).",
        DefaultValueFactory = _ => "stretch",
    };

    /// <summary>Parses the option's value.</summary>
    /// <exception cref="ArgumentException">the value is neither "stretch" nor "move".</exception>
    public static FastDeformationMode Parse(string value) => value?.Trim().ToLowerInvariant() switch
    {
        "stretch" => FastDeformationMode.Stretch,
        "move" => FastDeformationMode.Move,
        _ => throw new ArgumentException($"--deform must be 'stretch' or 'move'; got '{value}'."),
    };

    /// <summary>The option value naming a mode.</summary>
    public static string Name(FastDeformationMode mode) => mode == FastDeformationMode.Move ? "move" : "stretch";
}
