# One setup wave of a cluster: machines puppet configures together, after the waves before it.
type Oci::SetupWave = Struct[{
  number   => Integer[1],
  name     => Enum['infrastructure', 'cephmon', 'cephosd', 'controller', 'other'],
  machines => Array[String[1]],
}]
