# A swift store as the ring builder needs it: where it is in the rings and which disks it gives.
type Oci::SwiftStore = Struct[{
  hostname => String[1],
  address  => String[1],
  region   => Integer[1],
  zone     => Integer[1],
  weight   => Integer[0],
  disks    => Array[String[1]],
}]
