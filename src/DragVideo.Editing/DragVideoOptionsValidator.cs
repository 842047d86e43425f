using Microsoft.Extensions.Options;

namespace DragVideo.Editing;

/// <summary>Validates <see cref="DragVideoOptions"/> for the options pipeline (used by <c>AddDragVideo</c> with ValidateOnStart).</summary>
public sealed class DragVideoOptionsValidator : IValidateOptions<DragVideoOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, DragVideoOptions options)
    {
        if (options is null) return ValidateOptionsResult.Fail("DragVideoOptions is null.");
        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException e)
        {
            return ValidateOptionsResult.Fail(e.Message);
        }
    }
}
