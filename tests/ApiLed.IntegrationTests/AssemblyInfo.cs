// The suite shares one RabbitMQ broker and the machine has 2 cores: run test collections one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
