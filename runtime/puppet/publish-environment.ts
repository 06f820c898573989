import { randomBytes } from "node:crypto";
import { lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { FILE_CONCURRENCY, mapWithLimit } from "../../compiler/async/map-with-limit.js";
import { fsyncDirectory, syncFilesystem } from "../fs/durable.js";
import { environmentHieraYaml } from "./environment-hiera.js";

export class PuppetEnvironmentError extends Error {
  readonly code = "OCI3401";
  constructor(readonly path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.name = "PuppetEnvironmentError";
  }
}

export interface PuppetEnvironmentOptions {
  /** The environment puppetserver reads, e.g. /etc/puppet/code/environments/production: a symlink oci owns. */
  readonly directory: string;
  /** Published versions kept besides the current one, for a quick look back or a manual roll back. */
  readonly keep: number;
  readonly eyamlPrivateKey: string;
  readonly eyamlPublicKey: string;
}

/** The environment's config_version command: prints the release's rendered commit. */
export const CONFIG_VERSION_SCRIPT = "oci-catalog-version";

/** The catalog version of a release: its rendered commit, or a safe form of its id when it came from a directory. */
export function catalogVersion(releaseId: string): string {
  return versionName(releaseId);
}

/** The marker naming the release a version holds: written last inside the staging directory. */
export const RELEASE_MARKER = ".oci-release";

/**
 * Publishes a release's hiera (as `data/`), ENC files and setup order into a new directory beside
 * the environment, then points the environment symlink at it with one rename(2). Puppetserver sees
 * the old version or the new one, never a half-written one; a crash at any step leaves the symlink
 * on a complete version and at most a staging directory, removed by the next publish.
 */
export async function publishEnvironment(options: PuppetEnvironmentOptions, releaseId: string, files: ReadonlyMap<string, Buffer>): Promise<string> {
  const link = resolve(options.directory);
  const versions = versionsDirectory(link);
  mkdirSync(versions, { recursive: true, mode: 0o755 });
  checkLink(link);
  removeStaging(versions);

  const name = versionName(releaseId);
  const target = join(versions, name);
  if (!isComplete(target)) {
    rmSync(target, { recursive: true, force: true });
    const staging = join(versions, `.staging-${name}-${randomBytes(4).toString("hex")}`);
    const published = [...files].flatMap(([path, content]) => {
      const destination = publishedPath(path);
      return destination ? [{ destination, content }] : [];
    });
    for (const folder of new Set(published.map((f) => dirname(join(staging, f.destination))))) mkdirSync(folder, { recursive: true });
    // Asynchronous, unlike the render writer: the daemon publishes while DHCP, TFTP and HTTP answer
    // from the same event loop, and 20,000 synchronous writes would stall them for seconds.
    await mapWithLimit(published, FILE_CONCURRENCY, ({ destination, content }) =>
      writeFile(join(staging, destination), content, { mode: destination.startsWith("data/") ? 0o640 : 0o644 }));
    writeFileSync(join(staging, "hiera.yaml"), environmentHieraYaml(options.eyamlPrivateKey, options.eyamlPublicKey));
    // Every catalog's version is the release it was compiled from, so each Puppet report names
    // the rendered commit the machine applied.
    writeFileSync(join(staging, "environment.conf"), `config_version = ${CONFIG_VERSION_SCRIPT}\n`);
    writeFileSync(join(staging, CONFIG_VERSION_SCRIPT), `#!/bin/sh\necho ${catalogVersion(releaseId)}\n`, { mode: 0o755 });
    writeFileSync(join(staging, RELEASE_MARKER), `${releaseId}\n`);
    // Every file of the version on disk before it gets its name, and the name before the link moves.
    await syncFilesystem(staging);
    renameSync(staging, target);
    await fsyncDirectory(versions);
  }
  const temporaryLink = join(dirname(link), `.${basename(link)}.link-${randomBytes(4).toString("hex")}`);
  symlinkSync(join(basename(versions), name), temporaryLink);
  renameSync(temporaryLink, link);
  await fsyncDirectory(dirname(link));
  await prune(versions, name, options.keep);
  return target;
}

/** The release id of the version the environment points at, or undefined when nothing is published. */
export function publishedRelease(directory: string): string | undefined {
  try {
    return readFileSync(join(resolve(directory), RELEASE_MARKER), "utf8").trim();
  } catch {
    return undefined;
  }
}

function publishedPath(renderPath: string): string | undefined {
  if (renderPath.startsWith("hiera/")) return `data/${renderPath.slice("hiera/".length)}`;
  if (renderPath.startsWith("enc/") || renderPath.startsWith("setup/")) return renderPath;
  return undefined;
}

function versionsDirectory(link: string): string {
  return join(dirname(link), `.${basename(link)}.versions`);
}

/** A version directory name from a release id (`oci/rendered@<sha>` or a path): safe and short. */
function versionName(releaseId: string): string {
  const sha = /@([0-9a-f]{40})$/.exec(releaseId)?.[1];
  if (sha) return sha;
  return releaseId.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+/, "").slice(-100) || "release";
}

function checkLink(link: string): void {
  const info = lstatIfPresent(link);
  if (info && !info.isSymbolicLink()) {
    throw new PuppetEnvironmentError(link, "exists and is not a symlink oci manages; move it away (oci publishes each release beside it and points this path at it)");
  }
}

function isComplete(version: string): boolean {
  return lstatIfPresent(join(version, RELEASE_MARKER))?.isFile() ?? false;
}

function removeStaging(versions: string): void {
  for (const entry of readdirSync(versions)) if (entry.startsWith(".staging-")) rmSync(join(versions, entry), { recursive: true, force: true });
  for (const entry of readdirSync(dirname(versions))) {
    if (entry.startsWith(`.${basename(versions).replace(/\.versions$/, "")}.link-`)) rmSync(join(dirname(versions), entry), { force: true });
  }
}

async function prune(versions: string, current: string, keep: number): Promise<void> {
  const others = readdirSync(versions)
    .filter((entry) => entry !== current && !entry.startsWith("."))
    .map((entry) => ({ entry, mtime: statSync(join(versions, entry)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime || (a.entry < b.entry ? 1 : -1));
  for (const { entry } of others.slice(keep)) await rm(join(versions, entry), { recursive: true, force: true });
}

function lstatIfPresent(path: string) {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

export function currentVersion(directory: string): string | undefined {
  try {
    return readlinkSync(resolve(directory));
  } catch {
    return undefined;
  }
}
