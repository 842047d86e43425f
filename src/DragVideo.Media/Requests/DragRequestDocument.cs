using System.Text.Json.Nodes;

namespace DragVideo;

/// <summary>
/// A drag request as read from its JSON file: the validated <see cref="DragRequest"/> plus the free-form
/// <c>"options"</c> object the file may carry (editor settings such as step counts; interpreted by the consumer).
/// </summary>
/// <param name="Request">the validated request, with masks rasterised at the clip's frame size.</param>
/// <param name="Options">the file's <c>"options"</c> object (a detached copy), or null when absent.</param>
public sealed record DragRequestDocument(DragRequest Request, JsonObject? Options);
