# A machine as the cluster's host lists name it: FQDN, short name, management address.
type Oci::Member = Struct[{
  fqdn     => String[1],
  hostname => String[1],
  address  => String[1],
}]
