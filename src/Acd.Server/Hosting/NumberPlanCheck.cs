using Acd.Ivr.Catalog;
using Acd.Server.Configuration;

namespace Acd.Server.Hosting;

/// <summary>Cross-checks the contact-center file against the IVR scripts the catalog loaded.</summary>
internal static class NumberPlanCheck
{
    /// <summary>Every number-plan entry that names an IVR script the catalog does not have.</summary>
    public static IReadOnlyList<ConfigDiagnostic> Check(ContactCenterConfig config, IvrScriptCatalog catalog)
    {
        var errors = new List<ConfigDiagnostic>();
        for (var i = 0; i < config.Numbers.Count; i++)
        {
            if (config.Numbers[i].Ivr is { } script && !catalog.Current.TryGetScript(script, out _))
            {
                errors.Add(new ConfigDiagnostic(config.Source, 0, 0, $"numbers[{i}].ivr",
                    $"IVR script '{script}' is not loaded (known: {string.Join(", ", catalog.Current.Scripts.Keys.Order(StringComparer.Ordinal))})"));
            }
        }

        return errors;
    }
}
