# @summary The site as oci compiled it (hiera: common.yaml).
# @param site_name The site's name (not $name: Puppet reserves it).
# @param domain The site's DNS domain.
class oci::site (
  String[1] $site_name,
  String[1] $domain,
) {
}
