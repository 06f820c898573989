# Finds dependency cycles in compiled catalogs the way `puppet apply` would before applying them:
# the resources are turned into RAL instances and Puppet's own relationship graph is built from
# them (containment, require/before/notify/subscribe, autorequires).
# usage: ruby puppet-cycles.rb MODULEPATH CATALOG.json… ; prints one JSON line per catalog.
require 'json'
require 'puppet'
require 'tmpdir'

modulepath = ARGV.shift
Dir.mktmpdir('oci-cycles-') do |dir|
  Puppet.initialize_settings(['--modulepath', modulepath, '--confdir', dir, '--vardir', dir])
  env = Puppet::Node::Environment.create(:oci, modulepath.split(':'))
  Puppet.override(current_environment: env, loaders: Puppet::Pops::Loaders.new(env)) do
    ARGV.each do |file|
      ral = Puppet::Resource::Catalog.from_data_hash(JSON.parse(File.read(file))).to_ral
      ral.finalize
      graph = Puppet::Graph::RelationshipGraph.new(Puppet::Graph::SequentialPrioritizer.new)
      graph.populate_from(ral)
      cycles = graph.find_cycles_in_graph.map { |cycle| graph.paths_in_cycle(cycle, 1).first.map(&:ref) }
      puts JSON.generate({ file: file, resources: ral.resources.size, edges: graph.edges.size, cycles: cycles })
    end
  end
end
