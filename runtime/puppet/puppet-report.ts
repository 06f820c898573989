import { parseDocument } from "yaml";

/** What oci takes from a Puppet run report (Puppet::Transaction::Report, report_format 12 in Puppet 7). */
export interface PuppetRun {
  /** The agent's certname, as puppetserver authenticated it. */
  readonly host: string;
  readonly status: "failed" | "changed" | "unchanged";
  /** The catalog version the run applied: the rendered commit, through the environment's config_version. */
  readonly configurationVersion?: string;
  readonly noop: boolean;
  /** `Type[title]` of every resource that failed, sorted. */
  readonly failedResources: readonly string[];
  /** The first error messages of the run, for people. */
  readonly errors: readonly string[];
  /**
   * True when the catalog held a resource of an oci class (its role, or the profiles the role
   * includes): false for the empty catalog a closed setup gate gives. A role only includes its
   * profiles, and an included class is contained by its stage, not by the class that included it,
   * so the role's own name is not in the resources' containment paths.
   */
  readonly appliedRole: boolean;
}

export class PuppetReportError extends Error {
  readonly code = "OCI3501";
  constructor(detail: string) {
    super(`not a Puppet report: ${detail}`);
    this.name = "PuppetReportError";
  }
}

const MAX_ERRORS = 5;

/**
 * Reads the YAML puppetserver's `http` report processor posts. Its Ruby tags
 * (`!ruby/object:Puppet::Transaction::Report`) are read as plain mappings; JSON (a report
 * converted by a tool) is YAML too.
 */
export function parsePuppetReport(text: string): PuppetRun {
  const doc = parseDocument(text, { version: "1.1", uniqueKeys: false });
  if (doc.errors.length > 0) throw new PuppetReportError(doc.errors[0]!.message);
  const report = doc.toJS({ maxAliasCount: 0 }) as Record<string, unknown> | null;
  if (!report || typeof report !== "object") throw new PuppetReportError("expected a mapping");
  const host = report["host"];
  const status = report["status"];
  if (typeof host !== "string" || host === "") throw new PuppetReportError("no host");
  if (status !== "failed" && status !== "changed" && status !== "unchanged") throw new PuppetReportError(`status ${JSON.stringify(status)}`);
  const version = report["configuration_version"];
  const statuses = isMap(report["resource_statuses"]) ? Object.entries(report["resource_statuses"]) : [];
  const failedResources = statuses.filter(([, s]) => isMap(s) && s["failed"] === true).map(([name]) => name).sort();
  const appliedRole = statuses.some(([, s]) => isMap(s) && Array.isArray(s["containment_path"]) && s["containment_path"].some((c) => typeof c === "string" && c.startsWith("Oci::")));
  const logs = Array.isArray(report["logs"]) ? report["logs"] : [];
  const errors = logs.filter((l) => isMap(l) && (l["level"] === "err" || l["level"] === "crit" || l["level"] === "alert" || l["level"] === "emerg"))
    .map((l) => `${String((l as Record<string, unknown>)["source"] ?? "")}: ${String((l as Record<string, unknown>)["message"] ?? "")}`.slice(0, 300))
    .slice(0, MAX_ERRORS);
  return {
    host, status, noop: report["noop"] === true, failedResources, errors, appliedRole,
    ...(version === undefined || version === null ? {} : { configurationVersion: String(version) }),
  };
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
